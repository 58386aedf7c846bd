//! The PDF: a letter laid out for a window envelope (DIN 5008 form B; see
//! docs/letters.md for the geometry and its sources), in DejaVu Serif,
//! embedded and subset by krilla. Each glyph carries the text it stands for,
//! so the PDF's ToUnicode map gives back the letter's words.

use anyhow::{Result, anyhow};
use chrono::Datelike;
use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use super::{BULLET, Block, Letter, Paper, Row, page_text, row_lines, table_layout, wrap};

static SERIF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSerif.ttf");
static SERIF_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSerif-Bold.ttf");

/// Millimetres to PDF points.
fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// One typeface: the font krilla embeds and the metrics skrifa reads.
struct Face {
    font: Font,
    charmap: skrifa::charmap::Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
    fallback: GlyphId,
}

impl Face {
    fn new(data: &'static [u8]) -> Result<Face> {
        let font = Font::new(data.into(), 0).ok_or_else(|| anyhow!("the built-in font cannot be read"))?;
        let skrifa = FontRef::new(data).map_err(|e| anyhow!("the built-in font cannot be read: {e}"))?;
        let charmap = skrifa.charmap();
        let units_per_em = f32::from(
            skrifa
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let fallback = GlyphId::new(charmap.map('?').map_or(0, |g| g.to_u32()));
        Ok(Face {
            font,
            metrics: skrifa.glyph_metrics(Size::unscaled(), LocationRef::default()),
            charmap,
            units_per_em,
            fallback,
        })
    }

    fn glyph(&self, c: char) -> (GlyphId, f32) {
        let id = self.charmap.map(c).map(|g| GlyphId::new(g.to_u32()));
        let id = id.unwrap_or(self.fallback);
        let advance = self
            .metrics
            .advance_width(skrifa::GlyphId::new(id.to_u32()))
            .unwrap_or(0.0);
        (id, advance / self.units_per_em)
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    /// One glyph per character, each carrying its character's byte range.
    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (id, advance) = self.glyph(c);
                KrillaGlyph::new(id, advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

/// The page and where things go on it, in points from the top-left corner.
struct Geometry {
    width: f32,
    height: f32,
    left: f32,
    right: f32,
    /// Body text runs down to here.
    bottom: f32,
    folds: Vec<f32>,
    hole: f32,
}

impl Geometry {
    fn of(paper: Paper) -> Geometry {
        let (w, h) = match paper {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
        };
        let folds = match paper {
            // DIN 5008 form B: folded to fit a DL or C5/6 envelope.
            Paper::A4 => vec![105.0, 210.0],
            // In thirds for a #10 envelope.
            Paper::Letter => vec![h / 3.0, 2.0 * h / 3.0],
        };
        Geometry {
            width: mm(w),
            height: mm(h),
            left: mm(25.0),
            right: mm(w - 20.0),
            bottom: mm(h - 22.0),
            folds: folds.into_iter().map(mm).collect(),
            hole: mm(h / 2.0),
        }
    }

    fn measure(&self) -> f32 {
        self.right - self.left
    }
}

const BODY: f32 = 10.0;
const LEADING: f32 = 13.0;
const SMALL: f32 = 8.0;
const INFO: f32 = 9.0;

/// A piece of text at an x offset from the left edge of the text.
#[derive(Debug, Clone)]
struct Piece {
    x: f32,
    text: String,
    bold: bool,
}

/// A line of the body, or the space of an empty line between groups.
#[derive(Debug, Clone)]
enum Line {
    Text {
        pieces: Vec<Piece>,
        keep_with_next: bool,
    },
    Gap,
}

fn body_lines(letter: &Letter, fonts: &Fonts, width: f32) -> Vec<Line> {
    let measure = |s: &str| fonts.regular.width(s, BODY);
    let text = |pieces: Vec<Piece>| Line::Text {
        pieces,
        keep_with_next: false,
    };
    let plain = |x: f32, s: String| Piece {
        x,
        text: s,
        bold: false,
    };
    let mut out = Vec::new();
    for (gi, group) in letter.body.iter().enumerate() {
        if gi > 0 {
            out.push(Line::Gap);
        }
        for (bi, block) in group.iter().enumerate() {
            let heads_table = matches!(group.get(bi + 1), Some(Block::Table(_)));
            let start = out.len();
            match block {
                Block::Paragraph(t) => {
                    out.extend(
                        wrap(t, width, measure)
                            .into_iter()
                            .map(|l| text(vec![plain(0.0, l)])),
                    );
                }
                Block::Lines(ls) => {
                    for l in ls {
                        out.extend(
                            wrap(l, width, measure)
                                .into_iter()
                                .map(|l| text(vec![plain(0.0, l)])),
                        );
                    }
                    // The closing and the signature stay together.
                    let end = out.len();
                    keep_together(&mut out[start..end]);
                }
                Block::Item { indent, text: t } => {
                    let lead = mm(5.0) * *indent as f32;
                    let hang = measure(&format!("{BULLET} "));
                    for (i, l) in wrap(t, width - lead - hang, measure).into_iter().enumerate() {
                        let mut pieces = Vec::new();
                        if i == 0 {
                            pieces.push(plain(lead, BULLET.into()));
                        }
                        pieces.push(plain(lead + hang, l));
                        out.push(text(pieces));
                    }
                }
                Block::Table(rows) => table_lines(rows, width, &measure, &mut out),
            }
            // A heading stays with the first row of its table; a paragraph
            // of two lines is not split.
            let end = out.len();
            if heads_table || end - start == 2 {
                keep_together(&mut out[start..end]);
                if heads_table && let Some(Line::Text { keep_with_next, .. }) = out.last_mut() {
                    *keep_with_next = true;
                }
            }
        }
    }
    out
}

fn keep_together(lines: &mut [Line]) {
    let n = lines.len();
    for l in lines.iter_mut().take(n.saturating_sub(1)) {
        if let Line::Text { keep_with_next, .. } = l {
            *keep_with_next = true;
        }
    }
}

fn table_lines(rows: &[Row], width: f32, measure: &impl Fn(&str) -> f32, out: &mut Vec<Line>) {
    let line = |pieces: Vec<(f32, String)>, keep_with_next: bool| Line::Text {
        pieces: pieces
            .into_iter()
            .map(|(x, text)| Piece { x, text, bold: false })
            .collect(),
        keep_with_next,
    };
    match table_layout(rows, width, mm(5.0), mm(6.0), measure) {
        Some(layout) => {
            for r in rows {
                let lines = row_lines(r, &layout, measure);
                let n = lines.len();
                // A wrapped row stays on one page.
                out.extend(lines.into_iter().enumerate().map(|(i, p)| line(p, i + 1 < n)));
            }
        }
        None => {
            for r in rows {
                let x = r.indent as f32 * mm(5.0);
                for l in wrap(&r.cells.join(" "), width - x, measure) {
                    out.push(line(vec![(x, l)], false));
                }
            }
        }
    }
}

/// Splits the body lines into pages: the first page's body starts below the
/// subject, later pages below the continuation header.
fn paginate(lines: Vec<Line>, first_top: f32, next_top: f32, bottom: f32) -> Vec<Vec<(f32, Vec<Piece>)>> {
    let mut pages: Vec<Vec<(f32, Vec<Piece>)>> = vec![Vec::new()];
    let mut y = first_top;
    let mut i = 0;
    while i < lines.len() {
        match &lines[i] {
            Line::Gap => {
                if !pages.last().is_some_and(Vec::is_empty) {
                    y += LEADING;
                }
                i += 1;
            }
            Line::Text { .. } => {
                // The lines that must go on one page with this one.
                let mut j = i;
                while let Some(Line::Text {
                    keep_with_next: true, ..
                }) = lines.get(j)
                {
                    j += 1;
                }
                let needed = (j - i) as f32 * LEADING;
                let page_empty = pages.last().is_some_and(Vec::is_empty);
                if y + needed > bottom && !page_empty {
                    pages.push(Vec::new());
                    y = next_top;
                }
                for line in &lines[i..=j.min(lines.len() - 1)] {
                    if let Line::Text { pieces, .. } = line {
                        if y > bottom && !pages.last().is_some_and(Vec::is_empty) {
                            pages.push(Vec::new());
                            y = next_top;
                        }
                        if let Some(p) = pages.last_mut() {
                            p.push((y, pieces.clone()));
                        }
                        y += LEADING;
                    }
                }
                i = j + 1;
            }
        }
    }
    pages
}

fn draw(surface: &mut Surface, face: &Face, x: f32, y: f32, size: f32, text: &str) {
    if text.is_empty() {
        return;
    }
    let glyphs = face.glyphs(text);
    surface.draw_glyphs(
        Point::from_xy(x, y),
        &glyphs,
        face.font.clone(),
        text,
        size,
        false,
    );
}

fn grey(level: u8) -> Fill {
    Fill {
        paint: luma::Color::new(level).into(),
        ..Fill::default()
    }
}

fn marks(surface: &mut Surface, g: &Geometry) {
    let mut pb = PathBuilder::new();
    for y in &g.folds {
        pb.move_to(mm(4.0), *y);
        pb.line_to(mm(9.0), *y);
    }
    pb.move_to(mm(4.0), g.hole);
    pb.line_to(mm(11.0), g.hole);
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: luma::Color::new(140).into(),
            width: 0.4,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
    surface.set_fill(Some(Fill::default()));
}

/// The largest size up to `size` at which every line fits in `width`.
fn fitting(face: &Face, lines: &[String], size: f32, width: f32) -> f32 {
    let widest = lines.iter().map(|l| face.width(l, size)).fold(0.0, f32::max);
    if widest > width {
        (size * width / widest).max(5.0)
    } else {
        size
    }
}

/// Renders the letter as a PDF on `paper`.
pub fn render_pdf(letter: &Letter, paper: Paper) -> Result<Vec<u8>> {
    let fonts = Fonts {
        regular: Face::new(SERIF)?,
        bold: Face::new(SERIF_BOLD)?,
    };
    let g = Geometry::of(paper);
    let measure = g.measure();

    // Page 1, above the body: letterhead, return line, address, sender's
    // block with the date, subject.
    let info_x = mm(125.0);
    let info_width = g.width - mm(10.0) - info_x;
    let mut info_lines: Vec<String> = Vec::new();
    for l in &letter.sender_lines {
        info_lines.extend(wrap(l, info_width, |s| fonts.regular.width(s, INFO)));
    }
    let sender_count = info_lines.len();
    if !info_lines.is_empty() {
        info_lines.push(String::new());
    }
    info_lines.push(letter.date_line.clone());
    let info_leading = INFO * 1.35;
    let info_top = mm(54.0);
    let info_end = info_top + info_leading * (info_lines.len() as f32 - 1.0);

    // The address zone of the window: 62.7–90 mm from the top, text from
    // 25 mm; six lines at 4.5 mm.
    let address_top = mm(66.7);
    let address_leading = mm(4.4);
    let address_width = mm(80.0);
    let address_size = fitting(&fonts.regular, &letter.recipient, BODY, address_width);
    let address_end = address_top + address_leading * (letter.recipient.len().max(1) as f32 - 1.0);

    let subject_lines = wrap(&letter.subject, measure, |s| fonts.bold.width(s, BODY + 1.0));
    let subject_top = (mm(101.9)).max(address_end.max(info_end) + 2.0 * LEADING);
    let body_top = subject_top + LEADING * (subject_lines.len() as f32 + 1.0);

    let lines = body_lines(letter, &fonts, measure);
    let next_top = mm(30.0);
    let pages = paginate(lines, body_top, next_top, g.bottom);
    let total = pages.len();

    let mut doc = Document::new();
    let created = letter.meta.created;
    let date = DateTime::new(u16::try_from(created.year()).unwrap_or(1970))
        .month(created.month() as u8)
        .day(created.day() as u8);
    doc.set_metadata(
        Metadata::new()
            .title(letter.meta.title.clone())
            .authors(vec![letter.meta.author.clone()])
            .description(letter.meta.subject.clone())
            .language(letter.meta.language.clone())
            .creator("dun".to_string())
            .creation_date(date),
    );
    let settings =
        PageSettings::from_wh(g.width, g.height).ok_or_else(|| anyhow!("the paper size is not valid"))?;
    for (n, body) in pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut s = page.surface();
        if n == 0 {
            marks(&mut s, &g);
            draw(&mut s, &fonts.bold, g.left, mm(27.0), 14.0, &letter.sender_name);
            for (i, l) in info_lines.iter().enumerate().take(sender_count) {
                draw(
                    &mut s,
                    &fonts.regular,
                    info_x,
                    info_top + info_leading * i as f32,
                    INFO,
                    l,
                );
            }
            // The return line sits at the foot of the zone above the address.
            let return_width = mm(80.0);
            let rs = fitting(
                &fonts.regular,
                std::slice::from_ref(&letter.return_line),
                7.0,
                return_width,
            );
            s.set_fill(Some(grey(60)));
            draw(&mut s, &fonts.regular, g.left, mm(59.5), rs, &letter.return_line);
            if !letter.return_line.is_empty() {
                let mut pb = PathBuilder::new();
                let w = fonts.regular.width(&letter.return_line, rs);
                pb.move_to(g.left, mm(60.5));
                pb.line_to(g.left + w, mm(60.5));
                if let Some(path) = pb.finish() {
                    s.set_fill(None);
                    s.set_stroke(Some(Stroke {
                        paint: luma::Color::new(60).into(),
                        width: 0.3,
                        ..Stroke::default()
                    }));
                    s.draw_path(&path);
                    s.set_stroke(None);
                }
            }
            s.set_fill(Some(Fill::default()));
            for (i, l) in letter.recipient.iter().enumerate() {
                draw(
                    &mut s,
                    &fonts.regular,
                    g.left,
                    address_top + address_leading * i as f32,
                    address_size,
                    l,
                );
            }
            // The references and the date, last in the sender's block, are
            // drawn after the address: the order the text letter reads in.
            for (i, l) in info_lines.iter().enumerate().skip(sender_count) {
                draw(
                    &mut s,
                    &fonts.regular,
                    info_x,
                    info_top + info_leading * i as f32,
                    INFO,
                    l,
                );
            }
            for (i, l) in subject_lines.iter().enumerate() {
                draw(
                    &mut s,
                    &fonts.bold,
                    g.left,
                    subject_top + LEADING * i as f32,
                    BODY + 1.0,
                    l,
                );
            }
        } else {
            let head = format!(
                "{} · {}",
                letter.continuation,
                page_text(&letter.page_label, n + 1, total)
            );
            s.set_fill(Some(grey(60)));
            draw(&mut s, &fonts.regular, g.left, mm(18.0), SMALL, &head);
            s.set_fill(Some(Fill::default()));
        }
        for (y, pieces) in body {
            for p in pieces {
                let face = if p.bold { &fonts.bold } else { &fonts.regular };
                draw(&mut s, face, g.left + p.x, *y, BODY, &p.text);
            }
        }
        if total > 1 {
            let label = page_text(&letter.page_label, n + 1, total);
            let w = fonts.regular.width(&label, SMALL);
            s.set_fill(Some(grey(60)));
            draw(
                &mut s,
                &fonts.regular,
                g.right - w,
                g.height - mm(12.0),
                SMALL,
                &label,
            );
            s.set_fill(Some(Fill::default()));
        }
        s.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| anyhow!("the PDF could not be written: {e:?}"))
}
