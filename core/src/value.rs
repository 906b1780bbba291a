//! A JSON value and a reader that keeps the path, for parsing at the browser's edges without serde.
//!
//! The wasm app receives configs, stored outbox entries and server answers as JS values; converting them to
//! [`Value`] and reading them with [`Obj`] costs a few kilobytes, where serde's generated deserializers and a
//! path-tracking wrapper cost tens (the first visit has a 45 KiB brotli budget). Errors name the field the way a
//! site developer wrote it: `categories[1].id`.

/// A JSON value. Objects keep their fields in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

/// A value that is not what the reader expected, and where (`field` is the path).
pub type ValueError = crate::error::FieldError;

pub type Result<T> = std::result::Result<T, ValueError>;

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Num(_) => "a number",
            Value::Str(_) => "a string",
            Value::Arr(_) => "an array",
            Value::Obj(_) => "an object",
        }
    }

    fn wrong(&self, path: &str, expected: &str) -> ValueError {
        ValueError::new(path, ["expected ", expected, ", found ", self.kind()].concat())
    }

    pub fn as_str(&self, path: &str) -> Result<&str> {
        match self {
            Value::Str(s) => Ok(s),
            v => Err(v.wrong(path, "a string")),
        }
    }

    pub fn as_bool(&self, path: &str) -> Result<bool> {
        match self {
            Value::Bool(b) => Ok(*b),
            v => Err(v.wrong(path, "a boolean")),
        }
    }

    /// A whole number in `0..=u32::MAX`.
    pub fn as_u32(&self, path: &str) -> Result<u32> {
        match self {
            Value::Num(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX) => Ok(*n as u32),
            v => Err(v.wrong(path, "a whole number from 0 to 4294967295")),
        }
    }

    /// A whole number that JavaScript represents exactly (|n| < 2^53).
    pub fn as_i64(&self, path: &str) -> Result<i64> {
        const SAFE: f64 = 9_007_199_254_740_991.0;
        match self {
            Value::Num(n) if n.fract() == 0.0 && n.abs() <= SAFE => Ok(*n as i64),
            v => Err(v.wrong(path, "a whole number")),
        }
    }

    pub fn as_arr(&self, path: &str) -> Result<&[Value]> {
        match self {
            Value::Arr(a) => Ok(a),
            v => Err(v.wrong(path, "an array")),
        }
    }

    /// A list of strings, each checked at `path[i]`.
    pub fn as_strings(&self, path: &str) -> Result<Vec<String>> {
        self.as_arr(path)?.iter().enumerate().map(|(i, v)| v.as_str(&index(path, i)).map(str::to_owned)).collect()
    }

    /// Looks a field up in an object (`None` for anything else).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// `path[i]`.
pub fn index(path: &str, i: usize) -> String {
    [path, "[", &i.to_string(), "]"].concat()
}

/// `path.key`, or `key` at the top.
pub fn field(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        [path, ".", key].concat()
    }
}

/// An object being read: fields by name, `null` the same as absent, unknown fields refused.
pub struct Obj<'a> {
    path: &'a str,
    fields: &'a [(String, Value)],
}

impl<'a> Obj<'a> {
    /// `known` lists every field this object may have; any other is an error naming it.
    pub fn new(v: &'a Value, path: &'a str, known: &[&str]) -> Result<Obj<'a>> {
        let Value::Obj(fields) = v else {
            return Err(v.wrong(if path.is_empty() { "(root)" } else { path }, "an object"));
        };
        if let Some((k, _)) = fields.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(ValueError::new(field(path, k), "is not a known field"));
        }
        Ok(Obj { path, fields })
    }

    /// An object whose unknown fields are ignored: for answers kuki reads (a server reply may grow new fields
    /// without breaking a deployed bundle).
    pub fn lenient(v: &'a Value, path: &'a str) -> Result<Obj<'a>> {
        match v {
            Value::Obj(fields) => Ok(Obj { path, fields }),
            v => Err(v.wrong(if path.is_empty() { "(root)" } else { path }, "an object")),
        }
    }

    pub fn path(&self, key: &str) -> String {
        field(self.path, key)
    }

    /// The field's value, unless absent or `null`.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.fields.iter().find(|(k, v)| k == key && *v != Value::Null).map(|(_, v)| v)
    }

    pub fn opt<T>(&self, key: &str, read: impl FnOnce(&'a Value, &str) -> Result<T>) -> Result<Option<T>> {
        self.get(key).map(|v| read(v, &self.path(key))).transpose()
    }

    pub fn req<T>(&self, key: &str, read: impl FnOnce(&'a Value, &str) -> Result<T>) -> Result<T> {
        match self.get(key) {
            Some(v) => read(v, &self.path(key)),
            None => Err(ValueError::new(self.path(key), "is required")),
        }
    }

    pub fn opt_string(&self, key: &str) -> Result<Option<String>> {
        self.opt(key, |v, p| v.as_str(p).map(str::to_owned))
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        self.opt(key, Value::as_bool)
    }

    pub fn opt_u32(&self, key: &str) -> Result<Option<u32>> {
        self.opt(key, Value::as_u32)
    }
}

/// JSON text for a value (what `JSON.stringify` would write). Tests only: in the browser `JSON.stringify` writes
/// it (no number formatting in the bundle), and the server has serde_json.
#[cfg(test)]
pub fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write(&mut out, v);
    out
}

#[cfg(test)]
fn write(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) if n.fract() == 0.0 && n.abs() < 9e15 => out.push_str(&(*n as i64).to_string()),
        Value::Num(n) if n.is_finite() => out.push_str(&n.to_string()),
        Value::Num(_) => out.push_str("null"),
        Value::Str(s) => write_str(out, s),
        Value::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Obj(fields) => {
            out.push('{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from_digit(c as u32 >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(c as u32 & 15, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Test support: serde_json's values as ours (native tests write their inputs as JSON text).
#[cfg(any(test, feature = "test-util"))]
pub fn from_json(text: &str) -> Value {
    fn conv(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(a) => Value::Arr(a.into_iter().map(conv).collect()),
            serde_json::Value::Object(o) => Value::Obj(o.into_iter().map(|(k, v)| (k, conv(v))).collect()),
        }
    }
    conv(serde_json::from_str(text).expect("test JSON parses"))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn fields_are_read_with_their_path() {
        let v = from_json(r#"{"a":{"b":[1,"x"]},"n":null}"#);
        let top = Obj::new(&v, "", &["a", "n"]).unwrap();
        let a = top.req("a", |v, p| Ok((v.clone(), p.to_owned()))).unwrap();
        assert_eq!(a.1, "a");
        let inner = Obj::new(&a.0, "a", &["b"]).unwrap();
        let err = inner.req("b", |v, p| v.as_strings(p)).unwrap_err();
        assert_eq!(err.field, "a.b[0]");
        assert_eq!(top.opt_string("n"), Ok(None), "null counts as absent");
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_named() {
        let v = from_json(r#"{"revison":1}"#);
        assert_eq!(Obj::new(&v, "", &["revision"]).err().unwrap().field, "revison");
        let v = from_json(r#"{"revision":-1}"#);
        let o = Obj::new(&v, "", &["revision"]).unwrap();
        assert!(o.opt_u32("revision").unwrap_err().message.contains("whole number"));
        assert!(Obj::new(&Value::Arr(vec![]), "", &[]).is_err());
    }

    #[test]
    fn numbers_must_be_whole_and_in_range() {
        assert_eq!(Value::Num(4.0).as_u32("x"), Ok(4));
        assert!(Value::Num(4.5).as_u32("x").is_err());
        assert!(Value::Num(5e9).as_u32("x").is_err());
        assert_eq!(Value::Num(-3.0).as_i64("x"), Ok(-3));
        assert!(Value::Num(1e300).as_i64("x").is_err());
    }

    #[test]
    fn json_text_round_trips_through_serde_json() {
        let text = r#"{"s":"a\"b\\c\nd\u0001한","n":-12,"f":1.5,"b":true,"z":null,"a":[1,{}]}"#;
        let v = from_json(text);
        assert_eq!(from_json(&to_json(&v)), v);
    }
}
