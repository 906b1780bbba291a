//! JS values to and from kuki-core's [`Value`]: the browser edge's only conversion, so no serde code ships in
//! the bundle.

use js_sys::{Array, Object, Reflect};
use kuki_core::value::Value;
use wasm_bindgen::{JsCast, JsValue};

/// Reads a JS value as JSON data. Functions, symbols and `undefined` read as `null`; so do cycles' repeats beyond
/// a sane depth (a config is never that deep).
pub fn from_js(v: &JsValue) -> Value {
    read(v, 0)
}

fn read(v: &JsValue, depth: u8) -> Value {
    if depth > 32 {
        return Value::Null;
    }
    if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Value::Num(n)
    } else if let Some(s) = v.as_string() {
        Value::Str(s)
    } else if Array::is_array(v) {
        Value::Arr(Array::from(v).iter().map(|x| read(&x, depth + 1)).collect())
    } else if v.is_object() && !v.is_function() {
        let entries = Object::entries(v.unchecked_ref());
        Value::Obj(
            entries
                .iter()
                .filter_map(|pair| {
                    let pair = Array::from(&pair);
                    Some((pair.get(0).as_string()?, read(&pair.get(1), depth + 1)))
                })
                .collect(),
        )
    } else {
        Value::Null
    }
}

/// Builds the JS value for JSON data: plain objects and arrays.
pub fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Num(n) => JsValue::from_f64(*n),
        Value::Str(s) => JsValue::from_str(s),
        Value::Arr(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Obj(fields) => {
            let o = Object::new();
            for (k, x) in fields {
                let _ = Reflect::set(&o, &JsValue::from_str(k), &to_js(x));
            }
            o.into()
        }
    }
}

/// `JSON.parse`, as a [`Value`]; `None` for text that is not JSON.
pub fn parse(text: &str) -> Option<Value> {
    js_sys::JSON::parse(text).ok().map(|v| from_js(&v))
}

/// `JSON.stringify` of a [`Value`]: the browser writes the text, so no number formatting ships in the bundle.
pub fn stringify(v: &Value) -> String {
    js_sys::JSON::stringify(&to_js(v)).ok().and_then(|s| s.as_string()).unwrap_or_default()
}
