//! technical_seo_operations_manager agent (in progress).
