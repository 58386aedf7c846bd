//! `dun ladder`: the ladder in force and the schedule it runs on.

use anyhow::Result;
use serde::Serialize;

use crate::cli::Format;
use crate::context::Context;
use crate::exit;
use crate::report::table::{Column, List, TableRow};
use crate::report::words::{count, wrap};

#[derive(Serialize)]
struct StepRow<'a> {
    step: &'a str,
    day: i32,
    action: &'static str,
    repeat: Option<u32>,
    template: Option<&'a str>,
}

impl TableRow for StepRow<'_> {
    const COLUMNS: &'static [Column] = &[
        Column::text("step", 0),
        Column::number("day", 0),
        Column::text("action", 0),
        Column::number("repeat", 1).optional(),
        Column::text("template", 2).cut(12).optional(),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.step.to_string(),
            self.day.to_string(),
            self.action.to_string(),
            self.repeat.map(|r| r.to_string()).unwrap_or_default(),
            self.template.unwrap_or("").to_string(),
        ]
    }
}

pub fn ladder(ctx: &Context) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    let mut r = List::new(&mut out, ctx.format, ctx.screen());
    for s in ctx.config.ladder.steps() {
        r.row(&StepRow {
            step: &s.name,
            day: s.day,
            action: s.action.as_str(),
            repeat: s.repeat,
            template: s.template.as_deref(),
        })?;
    }
    r.finish(&["step", "day", "action", "repeat", "template"])?;
    if ctx.format == Format::Table && !ctx.quiet && ctx.stdout_tty {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let days: Vec<&str> = names
            .iter()
            .zip(ctx.config.schedule.send_days)
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect();
        let source = if ctx.config.custom_ladder {
            format!("from {}", ctx.config_path.display())
        } else {
            "the default; a [[ladder]] in the config file replaces it".to_string()
        };
        ctx.hint("");
        for line in [
            "day: days after the due date; repeat: done again every N days until the last step".to_string(),
            format!(
                "e-mails go out on {}, at least {} apart and {} after the client's last reply",
                days.join(", "),
                count(ctx.config.schedule.min_gap_days, "day"),
                count(ctx.config.schedule.min_gap_days, "day")
            ),
            format!("ladder: {source}"),
        ] {
            ctx.hint(wrap(&line, ctx.width, "  "));
        }
    }
    Ok(exit::OK)
}
