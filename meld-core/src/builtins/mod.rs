//! Runtime intrinsics that live inside the fused module.
