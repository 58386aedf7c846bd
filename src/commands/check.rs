//! `dun check [--repair]`: SQLite's own check of the file, and the ladder
//! state dun keeps for speed (SPEC.md §8, §9) compared with what the records
//! give. Without `--repair` nothing is changed; with it the kept state is
//! rebuilt from the records in one transaction.

use anyhow::Result;

use crate::context::Context;
use crate::exit;
use crate::store::{self, DifferenceKind, StateDifference};

/// At most this many differing invoices are listed one by one.
const SHOWN: usize = 20;

pub fn check(ctx: &Context, repair: bool) -> Result<u8> {
    let mut db = ctx.open_store()?;
    let integrity = store::integrity_check(db.conn())?;
    let file_ok = integrity.len() == 1 && integrity[0] == "ok";
    if file_ok {
        ctx.say(format!(
            "database {}: SQLite finds the file sound",
            db.path().display()
        ));
    } else {
        // Problems with the file itself are what the user must see first.
        println!(
            "database {}: SQLite finds {} problem(s) in the file:",
            db.path().display(),
            integrity.len()
        );
        for line in &integrity {
            println!("  {line}");
        }
    }
    let differences = store::state_differences(db.conn())?;
    if differences.is_empty() {
        let rows = store::kept_state_rows(db.conn())?;
        ctx.say(format!(
            "kept ladder state: {rows} open invoice(s), each as its records give it"
        ));
        if repair {
            ctx.say("nothing to repair");
        }
        return Ok(if file_ok { exit::OK } else { exit::FAILURE });
    }
    println!(
        "kept ladder state: {} invoice(s) differ from what their records give:",
        differences.len()
    );
    for d in differences.iter().take(SHOWN) {
        println!("  {}", describe(d));
    }
    if differences.len() > SHOWN {
        println!("  … and {} more", differences.len() - SHOWN);
    }
    if !repair {
        println!("nothing was changed; dun check --repair rebuilds the kept state from the records");
        return Ok(exit::FAILURE);
    }
    if !file_ok {
        println!(
            "not repaired: the file itself has problems, and rebuilding would read from them; \
             restore a backup, or copy the data out with sqlite3 .recover"
        );
        return Ok(exit::FAILURE);
    }
    let rows = db.write(store::rebuild_state)?;
    let left = store::state_differences(db.conn())?;
    if !left.is_empty() {
        // Cannot happen: the rebuild writes what the comparison reads.
        println!(
            "rebuilt {rows} row(s), yet {} invoice(s) still differ; please report this",
            left.len()
        );
        return Ok(exit::FAILURE);
    }
    println!("repaired: rebuilt the kept ladder state from the records ({rows} open invoice(s))");
    Ok(exit::OK)
}

fn describe(d: &StateDifference) -> String {
    let name = match &d.number {
        Some(n) => format!("invoice {n}"),
        None => format!("invoice id {} (no such invoice)", d.invoice_id),
    };
    match &d.kind {
        DifferenceKind::Missing => format!("{name}: open, but no kept row"),
        DifferenceKind::LeftBehind => format!("{name}: not open, but a kept row is left"),
        DifferenceKind::Columns(cols) => {
            let cols: Vec<String> = cols
                .iter()
                .map(|(c, kept, records)| format!("{c} is {kept}, the records give {records}"))
                .collect();
            format!("{name}: {}", cols.join("; "))
        }
    }
}
