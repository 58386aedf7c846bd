//! A row struct to its cells as text, without building a JSON value: a small
//! serde serializer that writes each field into a reused buffer. A cell is
//! what the JSON value of the field would show: strings bare, null empty,
//! numbers and booleans as JSON writes them, lists joined by ", ".

use std::fmt::{self, Display, Write as _};

use serde::Serialize;
use serde::ser::{self, Impossible};

/// Where the cells of a row go, one at a time, in column order.
pub trait CellOut {
    /// One cell; `is_text` when it came from text (a string or a list),
    /// which CSV makes formula-safe.
    fn cell(&mut self, text: &str, is_text: bool) -> Result<(), Error>;
}

/// Serializes `row`, handing each field's cell to `out`; `names` receives the
/// field names when it is empty.
pub fn write_row<T: Serialize>(
    row: &T,
    names: &mut Vec<&'static str>,
    scratch: &mut String,
    out: &mut dyn CellOut,
) -> Result<(), Error> {
    let collect = names.is_empty();
    row.serialize(RowSerializer {
        names,
        collect,
        scratch,
        out,
    })
}

/// The cells of one row kept as text (for a table, laid out at the end).
#[derive(Default)]
pub struct Cells {
    pub texts: Vec<String>,
    pub is_text: Vec<bool>,
}

impl CellOut for Cells {
    fn cell(&mut self, text: &str, is_text: bool) -> Result<(), Error> {
        self.texts.push(text.to_string());
        self.is_text.push(is_text);
        Ok(())
    }
}

/// What went wrong: the row's shape, or the output below the cells (kept
/// whole, so that a closed pipe is still seen as one).
#[derive(Debug)]
pub struct Error(pub anyhow::Error);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(anyhow::anyhow!("{msg}"))
    }
}

fn not_a_row() -> Error {
    Error(anyhow::anyhow!(
        "internal: a report row must be a struct of scalars and lists"
    ))
}

struct RowSerializer<'c> {
    names: &'c mut Vec<&'static str>,
    collect: bool,
    scratch: &'c mut String,
    out: &'c mut dyn CellOut,
}

impl<'c> ser::Serializer for RowSerializer<'c> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        Ok(self)
    }

    fn serialize_bool(self, _: bool) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_char(self, _: char) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_str(self, _: &str) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, _: &T) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_a_row())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_a_row())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_a_row())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_a_row())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_a_row())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_a_row())
    }
}

impl ser::SerializeStruct for RowSerializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        if self.collect {
            self.names.push(key);
        }
        value.serialize(CellSerializer {
            scratch: self.scratch,
            out: self.out,
        })
    }

    fn skip_field(&mut self, _: &'static str) -> Result<(), Error> {
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// Writes one cell to its output.
struct CellSerializer<'b> {
    scratch: &'b mut String,
    out: &'b mut dyn CellOut,
}

impl CellSerializer<'_> {
    fn display(self, v: impl Display, is_text: bool) -> Result<(), Error> {
        self.scratch.clear();
        write!(self.scratch, "{v}").map_err(|e| Error(e.into()))?;
        self.out.cell(self.scratch, is_text)
    }

    fn digits(self, negative: bool, v: u64) -> Result<(), Error> {
        let mut buf = [0u8; 21];
        self.out.cell(digits(&mut buf, negative, v), false)
    }
}

impl<'b> ser::Serializer for CellSerializer<'b> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ListSerializer<'b>;
    type SerializeTuple = ListSerializer<'b>;
    type SerializeTupleStruct = ListSerializer<'b>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.cell(if v { "true" } else { "false" }, false)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.digits(v < 0, v.unsigned_abs())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.digits(false, v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // As JSON has it: a finite number as serde_json writes it, else null.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.display(n, false),
            None => self.out.cell("", false),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.out.cell(v.encode_utf8(&mut [0; 4]), true)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.out.cell(v, true)
    }
    fn collect_str<T: ?Sized + Display>(self, v: &T) -> Result<(), Error> {
        self.display(v, true)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.scratch.clear();
        let mut list = ListSerializer {
            buf: self.scratch,
            first: true,
            out: self.out,
        };
        for b in v {
            ser::SerializeSeq::serialize_element(&mut list, b)?;
        }
        ser::SerializeSeq::end(list)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.cell("", false)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.cell("", false)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.out.cell("", false)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        self.out.cell(variant, true)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_a_row())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<ListSerializer<'b>, Error> {
        self.scratch.clear();
        Ok(ListSerializer {
            buf: self.scratch,
            first: true,
            out: self.out,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<ListSerializer<'b>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<ListSerializer<'b>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_a_row())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_a_row())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(not_a_row())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_a_row())
    }
}

/// One list item as text, appended to the list's buffer.
struct ItemOut<'b> {
    buf: &'b mut String,
}

impl CellOut for ItemOut<'_> {
    fn cell(&mut self, text: &str, _: bool) -> Result<(), Error> {
        self.buf.push_str(text);
        Ok(())
    }
}

/// A list as one cell: its items as cells, joined by ", ".
struct ListSerializer<'b> {
    buf: &'b mut String,
    first: bool,
    out: &'b mut dyn CellOut,
}

impl ListSerializer<'_> {
    fn item<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Error> {
        if !self.first {
            self.buf.push_str(", ");
        }
        self.first = false;
        let mut item_scratch = String::new();
        v.serialize(CellSerializer {
            scratch: &mut item_scratch,
            out: &mut ItemOut { buf: self.buf },
        })
    }

    fn finish(self) -> Result<(), Error> {
        self.out.cell(self.buf, true)
    }
}

impl ser::SerializeSeq for ListSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Error> {
        self.item(v)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for ListSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Error> {
        self.item(v)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for ListSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Error> {
        self.item(v)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// The decimal text of a (signed) number, written from the right into `buf`.
fn digits(buf: &mut [u8; 21], negative: bool, mut v: u64) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if negative {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).expect("digits and a sign are ASCII")
}
