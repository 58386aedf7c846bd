//! The embedded CSV tables: RFC 4180 fields (quotes, doubled quotes inside),
//! `#` comment lines, a header row, one record per line.

/// Splits one CSV line into fields.
pub fn parse_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            (_, c) => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err(format!("unterminated quote in: {line}"));
    }
    fields.push(field);
    Ok(fields)
}

/// The records of a table with `width` columns, with their line numbers,
/// after the header.
pub fn rows(text: &str, width: usize) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut header = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !header {
            header = true;
            continue;
        }
        let fields = parse_csv_line(line)?;
        if fields.len() != width {
            return Err(format!(
                "line {}: {} fields, expected {width}",
                i + 1,
                fields.len()
            ));
        }
        out.push((i + 1, fields.into_iter().map(|f| f.trim().to_string()).collect()));
    }
    Ok(out)
}
