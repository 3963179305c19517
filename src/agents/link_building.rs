//! link_building agent (in progress).
