//! content_strategy agent (in progress).
