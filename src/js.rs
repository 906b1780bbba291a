//! JS values to and from kuki-core's [`Value`]: the browser edge's only conversion, so no serde code ships in
//! the bundle. Reading is strict about shape (no shared objects, bounded size) so that a hostile or careless
//! page cannot make it slow.

use js_sys::{Array, Object, Reflect};
use kuki_core::error::FieldError;
use kuki_core::value::{self, Value};
use wasm_bindgen::{JsCast, JsValue};

/// The most values a page may hand kuki in one object (a config with a whole policy is a few thousand).
const MAX_VALUES: usize = 100_000;
const MAX_DEPTH: usize = 32;

/// Reads a JS value as JSON data, in time linear in its size. Functions, symbols and `undefined` read as
/// `null`; a RegExp as its string form `/source/flags` (what a config's cookie patterns are written as in JSON). An object or array met twice (shared, or a cycle), nesting deeper than 32 or more than 100,000
/// values is an error naming the field where it happened (`categories[2]`).
pub fn from_js(v: &JsValue) -> Result<Value, FieldError> {
    let mut reader = Reader { seen: js_sys::Set::new(&JsValue::UNDEFINED), count: 0 };
    reader.read(v, "", 0)
}

/// JSON data from a source that cannot share objects (`JSON.parse`, `response.json()`); `None` if too big.
pub fn from_json_data(v: &JsValue) -> Option<Value> {
    from_js(v).ok()
}

struct Reader {
    seen: js_sys::Set,
    count: usize,
}

impl Reader {
    fn read(&mut self, v: &JsValue, path: &str, depth: usize) -> Result<Value, FieldError> {
        self.count += 1;
        if self.count > MAX_VALUES {
            return Err(FieldError::new(path, "holds too many values"));
        }
        if let Some(b) = v.as_bool() {
            return Ok(Value::Bool(b));
        }
        if let Some(n) = v.as_f64() {
            return Ok(Value::Num(n));
        }
        if let Some(s) = v.as_string() {
            return Ok(Value::Str(s));
        }
        if !v.is_object() || v.is_function() {
            return Ok(Value::Null);
        }
        if let Some(re) = v.dyn_ref::<js_sys::RegExp>() {
            return Ok(Value::Str(["/", &String::from(re.source()), "/", &String::from(re.flags())].concat()));
        }
        if depth >= MAX_DEPTH {
            return Err(FieldError::new(path, "is nested too deeply"));
        }
        if self.seen.has(v) {
            return Err(FieldError::new(path, "is the same object as another field (a shared reference or a cycle)"));
        }
        self.seen.add(v);
        if Array::is_array(v) {
            let items = Array::from(v);
            let mut out = Vec::with_capacity(items.length() as usize);
            for (i, x) in items.iter().enumerate() {
                out.push(self.read(&x, &value::index(path, i), depth + 1)?);
            }
            return Ok(Value::Arr(out));
        }
        let mut out = Vec::new();
        for pair in Object::entries(v.unchecked_ref()).iter() {
            let pair = Array::from(&pair);
            let Some(key) = pair.get(0).as_string() else { continue };
            let x = self.read(&pair.get(1), &value::field(path, &key), depth + 1)?;
            out.push((key, x));
        }
        Ok(Value::Obj(out))
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
    js_sys::JSON::parse(text).ok().and_then(|v| from_json_data(&v))
}

/// `JSON.stringify` of a [`Value`]: the browser writes the text, so no number formatting ships in the bundle.
pub fn stringify(v: &Value) -> String {
    js_sys::JSON::stringify(&to_js(v)).ok().and_then(|s| s.as_string()).unwrap_or_default()
}
