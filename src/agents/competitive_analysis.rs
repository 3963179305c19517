//! competitive_analysis agent (in progress).
