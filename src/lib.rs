//! kuki
