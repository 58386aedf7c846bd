//! Generates a realistic dun database for the speed benchmark (SPEC.md §8,
//! `benches/bench.sh`, `docs/performance.md`).
//!
//! ```text
//! cargo run --release --example gen -- --db PATH --invoices N [--seed S] [--today YYYY-MM-DD]
//! ```
//!
//! Everything is written through dun's own store (`dun::store`), in a few big
//! transactions, into a new file (an existing non-empty file is refused):
//!
//! - about N/8 clients (1 to 15 invoices each) in five languages, with
//!   phone numbers, one or two addresses, and an escalation contact for some;
//! - invoices: about 65 % paid in full, some voided, settled or written off,
//!   some not yet due, the rest open and overdue at every age up to 150 days,
//!   partly paid, or held (a promise, a dispute, a pause);
//! - a contact log of about three entries per invoice, made by walking each
//!   invoice day by day through the default ladder with dun's own rules
//!   (`dun::domain::ladder::assess`), doing what it asks the way a user
//!   would: e-mails on their day (delivery `sent`, one Message-ID per client
//!   and day), calls and letters on a working day soon after they fall due,
//!   and now and then an inbound reply that buys the client a week.
//!
//! Rows are inserted in date order (invoices on the day they were entered,
//! log entries and payments on the day they happened), as a year of real use
//! would have written them, so the file's layout is not flattered. No
//! `ANALYZE` is run: dun does not run one either.
//!
//! The same seed and today give the same database.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{Datelike, NaiveDate};

use dun::domain::contact::{Channel, Delivery, HoldKind, Outcome};
use dun::domain::dates::{add_days, parse_iso};
use dun::domain::ladder::{Case, Contact, DueKind, Hold, Ladder, Schedule, assess, pending_step};
use dun::domain::text::handle_from_name;
use dun::store::{self, EscalationContact, NewClient, NewInvoice, NewLog, PaymentRow, Store};

const USAGE: &str =
    "usage: cargo run --release --example gen -- --db PATH --invoices N [--seed S] [--today YYYY-MM-DD]";

/// Statements per write transaction.
const CHUNK: usize = 1_000_000;

const SENDER: &str = "Example Studio";

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut db: Option<PathBuf> = None;
    let mut n: Option<usize> = None;
    let mut seed: u64 = 1;
    let mut today = NaiveDate::from_ymd_opt(2026, 12, 15).expect("a date");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--db" => db = Some(PathBuf::from(value()?)),
            "--invoices" => {
                n = Some(
                    value()?
                        .replace(['_', ','], "")
                        .parse()
                        .map_err(|_| anyhow!("--invoices takes a whole number\n{USAGE}"))?,
                )
            }
            "--seed" => {
                seed = value()?
                    .parse()
                    .map_err(|_| anyhow!("--seed takes a whole number"))?
            }
            "--today" => {
                let v = value()?;
                today = parse_iso(&v).ok_or_else(|| anyhow!("--today {v}: write YYYY-MM-DD"))?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    let db = db.ok_or_else(|| anyhow!("--db is required\n{USAGE}"))?;
    let n = n.ok_or_else(|| anyhow!("--invoices is required\n{USAGE}"))?;
    if n == 0 || n > u32::MAX as usize / 2 {
        bail!("--invoices must be between 1 and {}", u32::MAX / 2);
    }
    if let Ok(meta) = std::fs::metadata(&db)
        && meta.len() > 0
    {
        bail!(
            "{} exists and is not empty; gen writes only a new file",
            db.display()
        );
    }

    let started = Instant::now();
    let mut g = Gen::new(seed, today);
    g.plan(n);
    let planned = started.elapsed();
    g.events.sort_by_key(|e| (e.on, e.kind.order()));
    let sorted = started.elapsed();
    eprintln!(
        "gen: planned {} invoices, {} clients, {} statements in {:.1} s (sorted at {:.1} s); writing {}",
        g.invoices.len(),
        g.clients.len(),
        g.events.len(),
        planned.as_secs_f64(),
        sorted.as_secs_f64(),
        db.display()
    );

    let mut st = Store::open(&db)?;
    // A big page cache for the bulk load only; dun itself runs with the default.
    st.conn().pragma_update(None, "cache_size", -256 * 1024)?;
    let counts = g.write(&mut st)?;
    drop(st); // the last connection closes: the WAL is checkpointed into the file
    let elapsed = started.elapsed();
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);

    let inv = g.invoices.len() as f64;
    println!(
        "gen: wrote {} in {:.1} s (seed {seed}, today {today}), {:.0} MiB",
        db.display(),
        elapsed.as_secs_f64(),
        size as f64 / (1024.0 * 1024.0)
    );
    println!(
        "  clients            {:>10}  ({} escalation contacts)",
        g.clients.len(),
        counts.escalation
    );
    println!("  invoices           {:>10}", g.invoices.len());
    for (name, c) in [
        ("paid in full", counts.paid),
        ("void", counts.void),
        ("settled", counts.settled),
        ("written off", counts.written_off),
        ("open, not yet due", g.stories[Story::NotDue as usize]),
        ("open, overdue", g.stories[Story::Overdue as usize]),
        ("open, partly paid", g.stories[Story::Partial as usize]),
        ("open, promise", g.stories[Story::Promise as usize]),
        ("open, dispute", g.stories[Story::Dispute as usize]),
        ("open, paused", g.stories[Story::Pause as usize]),
    ] {
        println!("    {name:<17}{c:>10}  {:5.1} %", 100.0 * c as f64 / inv);
    }
    println!("  payments           {:>10}", counts.payments);
    println!("  holds              {:>10}", counts.holds);
    println!(
        "  contact log        {:>10}  ({:.2} per invoice: {} e-mails sent, {} calls, {} letters, {} inbound)",
        counts.logs,
        counts.logs as f64 / inv,
        counts.emails,
        counts.calls,
        counts.letters,
        counts.inbound
    );
    let open_overdue = g.open_overdue_by_bucket;
    println!(
        "  open and overdue by bucket: 1-30 {}, 31-60 {}, 61-90 {}, 90+ {}; due today {}",
        open_overdue[0], open_overdue[1], open_overdue[2], open_overdue[3], g.due_today
    );
    Ok(())
}

/// xorshift64*: small, fast and good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that 0, 1, 2 … give unrelated streams.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A whole number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    fn index(&mut self, len: usize) -> u8 {
        (self.next() % len as u64) as u8
    }
}

/// Picks an item by weight.
fn weighted<T: Copy>(rng: &mut Rng, items: &[(u32, T)]) -> T {
    let total: u32 = items.iter().map(|(w, _)| w).sum();
    let mut x = (rng.next() % u64::from(total)) as u32;
    for (w, t) in items {
        if x < *w {
            return *t;
        }
        x -= w;
    }
    items[items.len() - 1].1
}

struct Language {
    code: &'static str,
    weight: u32,
    first: &'static [&'static str],
    second: &'static [&'static str],
    forms: &'static [&'static str],
    currencies: &'static [&'static str],
    phone: &'static str,
    people: &'static [&'static str],
    roles: &'static [&'static str],
    mailboxes: &'static [&'static str],
}

const LANGUAGES: &[Language] = &[
    Language {
        code: "en",
        weight: 40,
        first: &[
            "Brightside",
            "Harbour",
            "Kestrel",
            "Oakfield",
            "Summit",
            "Northgate",
            "Silverline",
            "Maple",
            "Granite",
            "Bluebell",
            "Riverside",
            "Ashford",
            "Copperleaf",
            "Redwood",
            "Whitmore",
            "Falcon",
        ],
        second: &[
            "Systems",
            "Media",
            "Partners",
            "Logistics",
            "Studio",
            "Foods",
            "Consulting",
            "Print",
            "Engineering",
            "Interiors",
            "Analytics",
            "Events",
        ],
        forms: &[
            "{a} {b} Ltd",
            "{a} {b} LLP",
            "{a} & Co",
            "{a}, {b} & Sons",
            "{a} {b} Inc.",
            "The {a} {b} Company",
        ],
        currencies: &["GBP", "GBP", "EUR", "USD"],
        phone: "+44 20 7946 ",
        people: &[
            "Sarah Collins",
            "James O'Neill",
            "Priya Shah",
            "Tom Fletcher",
            "Emma Hughes",
        ],
        roles: &["CFO", "Finance Director", "Owner", "Head of Accounts"],
        mailboxes: &["accounts", "ap", "finance", "invoices"],
    },
    Language {
        code: "sv",
        weight: 15,
        first: &[
            "Nordlys",
            "Fjord",
            "Björk",
            "Älvdal",
            "Granit",
            "Skärgård",
            "Lövhagen",
            "Solberg",
            "Ekholm",
        ],
        second: &[
            "Media",
            "Bygg",
            "Konsult",
            "Data",
            "Design",
            "Transport",
            "Fastigheter",
        ],
        forms: &["{a} {b} AB", "{a} AB", "{a} & {b} HB"],
        currencies: &["SEK", "SEK", "EUR"],
        phone: "+46 8 555 0",
        people: &["Karin Lindqvist", "Björn Åberg", "Eva Sjöström", "Lars Öhman"],
        roles: &["Ekonomichef", "VD", "Ägare"],
        mailboxes: &["faktura", "ekonomi", "reskontra"],
    },
    Language {
        code: "tr",
        weight: 15,
        first: &[
            "Anatolia",
            "Boğaziçi",
            "Ege",
            "Karadeniz",
            "Yıldız",
            "Çınar",
            "Akdeniz",
            "Kapadokya",
        ],
        second: &[
            "Tekstil",
            "Lojistik",
            "Yazılım",
            "Gıda",
            "İnşaat",
            "Mimarlık",
            "Turizm",
        ],
        forms: &["{a} {b} A.Ş.", "{a} {b} Ltd. Şti.", "{a} Dış Ticaret A.Ş."],
        currencies: &["TRY", "TRY", "EUR", "USD"],
        phone: "+90 212 555 0",
        people: &["Ayşe Yılmaz", "Mehmet Öztürk", "Zeynep Çelik", "Emre Şahin"],
        roles: &["Mali İşler Müdürü", "Genel Müdür", "Muhasebe Müdürü"],
        mailboxes: &["muhasebe", "finans", "fatura"],
    },
    Language {
        code: "ru",
        weight: 15,
        first: &[
            "Волга",
            "Север",
            "Урал",
            "Байкал",
            "Звезда",
            "Алтай",
            "Нева",
            "Кедр",
        ],
        second: &["Трейд", "Логистик", "Софт", "Строй", "Медиа", "Консалт"],
        forms: &["ООО «{a} {b}»", "АО «{a}»", "ООО «{a}-{b}»"],
        currencies: &["RUB", "RUB", "EUR", "USD"],
        phone: "+7 495 555-0",
        people: &[
            "Ирина Соколова",
            "Дмитрий Волков",
            "Ольга Морозова",
            "Андрей Лебедев",
        ],
        roles: &["финансовый директор", "генеральный директор", "главный бухгалтер"],
        mailboxes: &["buh", "finance", "schet"],
    },
    Language {
        code: "ro",
        weight: 15,
        first: &[
            "Carpați",
            "Dunărea",
            "Bucegi",
            "Mureș",
            "Olt",
            "Argeș",
            "Siret",
            "Făgăraș",
        ],
        second: &[
            "Design",
            "Construct",
            "Soft",
            "Trans",
            "Consulting",
            "Media",
            "Agro",
        ],
        forms: &["{a} {b} SRL", "{a} {b} SA", "{a} SRL"],
        currencies: &["RON", "RON", "EUR"],
        phone: "+40 21 555 0",
        people: &[
            "Ioana Popescu",
            "Andrei Ionescu",
            "Maria Dumitrescu",
            "Radu Stănescu",
        ],
        roles: &["Director financiar", "Administrator", "Contabil șef"],
        mailboxes: &["contabilitate", "facturi", "office"],
    },
];

const DESCRIPTIONS: &[&str] = &[
    "Brand identity, phase 1",
    "Brand identity, phase 2",
    "Web design retainer",
    "Catalogue translation (EN–TR)",
    "Market study, Q3",
    "Illustrations for the spring campaign",
    "Copywriting",
    "Photography, trade fair",
    "Software licence and setup",
    "Video editing",
    "Consulting hours",
    "Monthly support contract",
    "Hosting and maintenance, annual",
    "Office fit-out, stage payment",
    "Freight Hamburg – Istanbul",
    "Training workshop (2 days)",
    "Data migration",
    "Packaging design",
    "Annual audit support",
    "Översättning av årsredovisning",
    "Yazılım geliştirme, sprint 4",
    "Разработка сайта, этап 2",
    "Servicii de contabilitate",
    "Social media management",
    "Event staffing",
    "Print run: 5,000 brochures",
];

const REPLIES: &[&str] = &[
    "will pay on Friday",
    "invoice forwarded to accounts payable",
    "asked for a copy of the invoice with the PO number",
    "payment run is at the end of the month",
    "the person in charge is on holiday until next week",
    "asked for bank details again",
];
const CALL_NOTES: &[&str] = &[
    "spoke to accounts: payment run on the 25th",
    "the owner will call back",
    "they had not received the invoice; re-sent it",
    "said it is approved and waiting for signature",
];
const LETTER_NOTES: &[&str] = &[
    "demand letter sent by post",
    "demand letter sent by registered post",
];
const DISPUTES: &[&str] = &[
    "says the hours are wrong",
    "says the delivery was incomplete",
    "disputes the licence count",
    "says the price differs from the quote",
];
const PAUSES: &[&str] = &[
    "client reorganising its finance team",
    "agreed to wait for the project sign-off",
];
const METHODS: &[&str] = &["bank", "bank", "bank", "card", "cash", "cheque"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    Paid,
    Void,
    Settled,
    WrittenOff,
    NotDue,
    Overdue,
    Partial,
    Promise,
    Dispute,
    Pause,
}

/// Shares of the invoices, per thousand.
const STORIES: &[(u32, Story)] = &[
    (650, Story::Paid),
    (5, Story::Void),
    (5, Story::Settled),
    (5, Story::WrittenOff),
    (75, Story::NotDue),
    (175, Story::Overdue),
    (50, Story::Partial),
    (15, Story::Promise),
    (12, Story::Dispute),
    (8, Story::Pause),
];

/// When an invoice that gets paid in full is paid, in days after its due date.
const PAID_AFTER: &[(u32, (i64, i64))] = &[
    (47, (-20, -1)),
    (22, (0, 6)),
    (14, (7, 13)),
    (10, (14, 29)),
    (5, (30, 90)),
    (2, (91, 200)),
];

struct Client {
    handle: String,
    name: String,
    emails: Vec<String>,
    phone: Option<String>,
    lang: &'static str,
    currency: &'static str,
    notes: Option<&'static str>,
    escalation: Option<EscalationContact>,
}

struct Invoice {
    client: u32,
    issued: NaiveDate,
    due: NaiveDate,
    entered_on: NaiveDate,
    amount: i64,
    description: u8,
    pay_link: bool,
    start_step: Option<u8>,
}

/// One statement to run, on the day it happened.
struct Event {
    on: NaiveDate,
    invoice: u32,
    kind: Kind,
}

enum Kind {
    /// Adds the invoice (on the day it was entered).
    Create,
    Log {
        channel: Channel,
        inbound: bool,
        step: Option<u8>,
        outcome: Option<Outcome>,
        note: Option<&'static str>,
        /// A promise: its date, for the note.
        until: Option<NaiveDate>,
    },
    Pay {
        amount: i64,
        method: &'static str,
    },
    Hold {
        kind: HoldKind,
        until: Option<NaiveDate>,
        note: Option<&'static str>,
    },
    Close {
        why: &'static str,
        write_down: i64,
        note: Option<&'static str>,
    },
}

impl Kind {
    /// Within one day: invoices are entered first, closed last.
    fn order(&self) -> u8 {
        match self {
            Kind::Create => 0,
            Kind::Close { .. } => 2,
            _ => 1,
        }
    }
}

#[derive(Default)]
struct Counts {
    escalation: u64,
    paid: u64,
    void: u64,
    settled: u64,
    written_off: u64,
    payments: u64,
    holds: u64,
    logs: u64,
    emails: u64,
    calls: u64,
    letters: u64,
    inbound: u64,
}

struct Gen {
    rng: Rng,
    today: NaiveDate,
    ladder: Ladder,
    schedule: Schedule,
    clients: Vec<Client>,
    invoices: Vec<Invoice>,
    events: Vec<Event>,
    stories: [u64; 10],
    open_overdue_by_bucket: [u64; 4],
    due_today: u64,
    /// The contact log of the invoice being walked, as the ladder sees it.
    contacts: Vec<Contact>,
}

impl Gen {
    fn new(seed: u64, today: NaiveDate) -> Gen {
        Gen {
            rng: Rng::new(seed),
            today,
            ladder: Ladder::default_ladder(),
            schedule: Schedule::default(),
            clients: Vec::new(),
            invoices: Vec::new(),
            events: Vec::new(),
            stories: [0; 10],
            open_overdue_by_bucket: [0; 4],
            due_today: 0,
            contacts: Vec::new(),
        }
    }

    fn plan(&mut self, n: usize) {
        self.invoices.reserve(n);
        self.events.reserve(n * 6);
        while self.invoices.len() < n {
            let client = self.new_client();
            let k = (self.rng.range(1, 15) as usize).min(n - self.invoices.len());
            for _ in 0..k {
                self.new_invoice(client);
            }
        }
    }

    fn new_client(&mut self) -> u32 {
        let id = self.clients.len() as u32;
        let weights: Vec<(u32, usize)> = LANGUAGES.iter().enumerate().map(|(i, l)| (l.weight, i)).collect();
        let lang = &LANGUAGES[weighted(&mut self.rng, &weights)];
        let a = *self.rng.pick(lang.first);
        let b = *self.rng.pick(lang.second);
        let name = self.rng.pick(lang.forms).replace("{a}", a).replace("{b}", b);
        let slug = handle_from_name(a);
        let handle = format!("{slug}-{}", id + 1);
        let domain = format!("{slug}{}.example", id + 1);
        let mut emails = vec![format!("{}@{domain}", self.rng.pick(lang.mailboxes))];
        if self.rng.chance(0.2) {
            emails.push(format!("{}@{domain}", self.rng.pick(lang.mailboxes)));
            emails.dedup();
        }
        let phone = self.rng.chance(0.9).then(|| {
            format!(
                "{}{:03} {:02}",
                lang.phone,
                self.rng.range(0, 999),
                self.rng.range(0, 99)
            )
        });
        let escalation = self.rng.chance(0.12).then(|| EscalationContact {
            name: self.rng.pick(lang.people).to_string(),
            role: Some(self.rng.pick(lang.roles).to_string()),
            email: self.rng.chance(0.9).then(|| format!("cfo@{domain}")),
            phone: self.rng.chance(0.7).then(|| {
                format!(
                    "{}{:03} {:02}",
                    lang.phone,
                    self.rng.range(0, 999),
                    self.rng.range(0, 99)
                )
            }),
        });
        let notes = self
            .rng
            .chance(0.05)
            .then_some("pays late but always pays; invoices need a PO number");
        self.clients.push(Client {
            handle,
            name,
            emails,
            phone,
            lang: lang.code,
            currency: lang.currencies[usize::from(self.rng.index(lang.currencies.len()))],
            notes,
            escalation,
        });
        id
    }

    fn amount(&mut self, currency: &str) -> i64 {
        // Log-uniform between 50 and 20,000 units, scaled for the currency.
        let units = (50f64.ln() + self.rng.unit() * (20_000f64.ln() - 50f64.ln())).exp();
        let scale = match currency {
            "RUB" => 80.0,
            "TRY" => 35.0,
            "SEK" => 11.0,
            "RON" => 5.0,
            _ => 1.0,
        };
        ((units * scale / 10.0).round().max(1.0) as i64) * 1000
    }

    fn new_invoice(&mut self, client: u32) {
        let t = self.today;
        let story = weighted(&mut self.rng, STORIES);
        self.stories[story as usize] += 1;
        let term = *self.rng.pick(&[14, 30, 30, 30, 45, 60]);
        let currency = self.clients[client as usize].currency;
        let amount = self.amount(currency);
        let idx = self.invoices.len() as u32;
        // The due date, and the end of the story.
        let (due, end) = match story {
            Story::Paid => {
                let (lo, hi) = weighted(&mut self.rng, PAID_AFTER);
                // Not before it was issued.
                let after = self.rng.range(lo, hi).max(1 - term);
                let paid_on = add_days(t, -self.rng.range(1, 420));
                (add_days(paid_on, -after), paid_on)
            }
            Story::Void => {
                let issued = add_days(t, -self.rng.range(5, 420));
                (add_days(issued, term), add_days(issued, self.rng.range(1, 4)))
            }
            Story::Settled => {
                let due = add_days(t, -self.rng.range(40, 420));
                (due, add_days(due, self.rng.range(35, 120)).min(add_days(t, -1)))
            }
            Story::WrittenOff => {
                let due = add_days(t, -self.rng.range(60, 420));
                (due, add_days(due, self.rng.range(45, 180)).min(add_days(t, -1)))
            }
            Story::NotDue => (add_days(t, self.rng.range(1, 45)), t),
            Story::Overdue | Story::Partial => (add_days(t, -self.rng.range(0, 150)), t),
            Story::Promise | Story::Dispute | Story::Pause => (add_days(t, -self.rng.range(3, 150)), t),
        };
        let issued = add_days(due, -term).min(t);
        let age = (t - due).num_days();
        // Now and then an invoice is entered late, some with the first steps done elsewhere.
        let (entered_on, start_step) = if story == Story::Overdue && age > 10 && self.rng.chance(0.03) {
            let on = add_days(due, self.rng.range(5, age.min(60)));
            let step = self.rng.chance(0.5).then_some(1u8);
            (on, step)
        } else {
            (issued, None)
        };
        self.invoices.push(Invoice {
            client,
            issued,
            due,
            entered_on,
            amount,
            description: self.rng.index(DESCRIPTIONS.len()),
            pay_link: self.rng.chance(0.3),
            start_step,
        });
        self.event(entered_on, idx, Kind::Create);
        if matches!(
            story,
            Story::Overdue | Story::Partial | Story::Promise | Story::Dispute | Story::Pause
        ) {
            if age == 0 {
                self.due_today += 1;
            } else {
                self.open_overdue_by_bucket[match age {
                    ..=30 => 0,
                    31..=60 => 1,
                    61..=90 => 2,
                    _ => 3,
                }] += 1;
            }
        }

        self.contacts.clear();
        let yesterday = add_days(t, -1);
        let start = add_days(due, i64::from(self.ladder.min_day()).min(0)).max(entered_on);
        match story {
            Story::NotDue => self.walk(idx, &[], start, yesterday),
            Story::Overdue => self.walk(idx, &[], start, yesterday),
            Story::Paid => {
                if self.rng.chance(0.1) && end > issued {
                    // Paid in two parts.
                    let first = add_days(issued, self.rng.range(0, (end - issued).num_days()));
                    let part = amount / 1000 * self.rng.range(200, 700);
                    self.walk(idx, &[], start, add_days(first, -1));
                    self.pay(first, idx, part);
                    self.walk(idx, &[], start.max(first), add_days(end, -1));
                    self.pay(end, idx, amount - part);
                } else {
                    self.walk(idx, &[], start, add_days(end, -1));
                    self.pay(end, idx, amount);
                }
                self.event(
                    end,
                    idx,
                    Kind::Close {
                        why: "paid",
                        write_down: 0,
                        note: None,
                    },
                );
            }
            Story::Void => self.event(
                end,
                idx,
                Kind::Close {
                    why: "void",
                    write_down: 0,
                    note: Some("issued twice"),
                },
            ),
            Story::Settled => {
                self.walk(idx, &[], start, add_days(end, -1));
                let received = amount / 1000 * self.rng.range(500, 900);
                self.event(
                    end,
                    idx,
                    Kind::Pay {
                        amount: received,
                        method: "bank",
                    },
                );
                self.event(
                    end,
                    idx,
                    Kind::Close {
                        why: "settled",
                        write_down: amount - received,
                        note: Some("settled after the demand letter"),
                    },
                );
            }
            Story::WrittenOff => {
                self.walk(idx, &[], start, add_days(end, -1));
                self.event(
                    end,
                    idx,
                    Kind::Close {
                        why: "written-off",
                        write_down: amount,
                        note: Some("client insolvent"),
                    },
                );
            }
            Story::Partial => {
                let on = add_days(due, self.rng.range(-10, (age - 1).min(40)))
                    .max(entered_on)
                    .min(yesterday);
                let part = amount / 1000 * self.rng.range(200, 800);
                self.walk(idx, &[], start, add_days(on, -1));
                self.pay(on, idx, part);
                self.walk(idx, &[], start.max(on), yesterday);
            }
            Story::Promise | Story::Dispute | Story::Pause => {
                let on = add_days(due, self.rng.range(1, (age - 1).min(60)));
                self.walk(idx, &[], start, add_days(on, -1));
                let note = match story {
                    Story::Dispute => Some(*self.rng.pick(DISPUTES)),
                    Story::Pause => Some(*self.rng.pick(PAUSES)),
                    _ => None,
                };
                let hold = match story {
                    Story::Promise => {
                        let until = add_days(on, self.rng.range(3, 21));
                        // `dun log INV call --outcome promised --until DATE`: the call
                        // does the call step if one is pending.
                        let step = {
                            let inv = &self.invoices[idx as usize];
                            let case = case(inv, &self.ladder, &self.contacts, &[]);
                            pending_step(&case, &self.ladder, &self.schedule, on, Channel::Call)
                        };
                        self.log(
                            on,
                            idx,
                            Channel::Call,
                            false,
                            step,
                            Some(Outcome::Promised),
                            None,
                            Some(until),
                        );
                        Hold {
                            kind: HoldKind::Promise,
                            since: on,
                            until: Some(until),
                        }
                    }
                    Story::Dispute => {
                        self.log(
                            on,
                            idx,
                            Channel::Email,
                            true,
                            None,
                            Some(Outcome::Disputed),
                            note,
                            None,
                        );
                        Hold {
                            kind: HoldKind::Dispute,
                            since: on,
                            until: None,
                        }
                    }
                    _ => {
                        let until = self.rng.chance(0.5).then(|| add_days(on, self.rng.range(7, 45)));
                        Hold {
                            kind: HoldKind::Pause,
                            since: on,
                            until,
                        }
                    }
                };
                self.event(
                    on,
                    idx,
                    Kind::Hold {
                        kind: hold.kind,
                        until: hold.until,
                        note,
                    },
                );
                // Half the users chase on after a broken promise; the others
                // have not got to it yet, so `dun due` shows it as broken.
                let last = match hold.until {
                    Some(u) if story == Story::Promise && self.rng.chance(0.5) => u.min(yesterday),
                    _ => yesterday,
                };
                self.walk(idx, &[hold], add_days(on, 1), last);
            }
        }
    }

    fn pay(&mut self, on: NaiveDate, invoice: u32, amount: i64) {
        let method = *self.rng.pick(METHODS);
        self.event(on, invoice, Kind::Pay { amount, method });
    }

    fn event(&mut self, on: NaiveDate, invoice: u32, kind: Kind) {
        self.events.push(Event { on, invoice, kind });
    }

    #[allow(clippy::too_many_arguments)]
    fn log(
        &mut self,
        on: NaiveDate,
        invoice: u32,
        channel: Channel,
        inbound: bool,
        step: Option<usize>,
        outcome: Option<Outcome>,
        note: Option<&'static str>,
        until: Option<NaiveDate>,
    ) {
        let delivery = (channel == Channel::Email && !inbound).then_some(Delivery::Sent);
        self.contacts.push(Contact {
            on,
            channel,
            inbound,
            step: step.map(|i| self.ladder.steps()[i].name.clone()),
            outcome,
            delivery,
            // The generator's letters store no deadline: the ladder assumes 14 days.
            deadline: None,
        });
        self.event(
            on,
            invoice,
            Kind::Log {
                channel,
                inbound,
                step: step.map(|i| i as u8),
                outcome,
                note,
                until,
            },
        );
    }

    /// Does, from `from` to `to`, whatever the ladder asks of the invoice, as
    /// a user would: e-mails on their day (that is what `dun send` does),
    /// calls and letters on a working day soon after they fall due. Days on
    /// which nothing can happen are skipped.
    fn walk(&mut self, idx: u32, holds: &[Hold], from: NaiveDate, to: NaiveDate) {
        let mut day = from;
        let mut reply_on: Option<NaiveDate> = None;
        while day <= to {
            if reply_on == Some(day) {
                let note = *self.rng.pick(REPLIES);
                self.log(
                    day,
                    idx,
                    Channel::Email,
                    true,
                    None,
                    Some(Outcome::Replied),
                    Some(note),
                    None,
                );
                reply_on = None;
            }
            let a = {
                let inv = &self.invoices[idx as usize];
                assess(
                    &case(inv, &self.ladder, &self.contacts, holds),
                    &self.ladder,
                    &self.schedule,
                    day,
                )
            };
            let workday = self.schedule.is_send_day(day);
            let mut busy = false;
            for d in &a.due {
                match d.kind {
                    DueKind::Email | DueKind::Escalate => {
                        self.log(day, idx, Channel::Email, false, d.step, None, None, None);
                        busy = true;
                        if reply_on.is_none() && self.rng.chance(0.08) {
                            reply_on = Some(add_days(day, self.rng.range(1, 4)));
                        }
                    }
                    DueKind::Call if !d.instead_of_email => {
                        busy = true;
                        if workday && self.rng.chance(0.6) {
                            let outcome = weighted(
                                &mut self.rng,
                                &[
                                    (35, Outcome::NoAnswer),
                                    (35, Outcome::Voicemail),
                                    (30, Outcome::Talked),
                                ],
                            );
                            let note = (outcome == Outcome::Talked).then(|| *self.rng.pick(CALL_NOTES));
                            self.log(day, idx, Channel::Call, false, d.step, Some(outcome), note, None);
                        }
                    }
                    DueKind::Letter => {
                        busy = true;
                        if workday && self.rng.chance(0.5) {
                            let note = *self.rng.pick(LETTER_NOTES);
                            self.log(day, idx, Channel::Letter, false, d.step, None, Some(note), None);
                        }
                    }
                    DueKind::Suspend => {
                        busy = true;
                        if workday {
                            self.log(
                                day,
                                idx,
                                Channel::Note,
                                false,
                                d.step,
                                None,
                                Some("work suspended"),
                                None,
                            );
                        }
                    }
                    _ => {}
                }
            }
            if a.with_lawyer {
                // Nothing more will happen; a reply already on its way still comes.
                if let Some(r) = reply_on.filter(|r| *r <= to) {
                    let note = *self.rng.pick(REPLIES);
                    self.log(
                        r,
                        idx,
                        Channel::Email,
                        true,
                        None,
                        Some(Outcome::Replied),
                        Some(note),
                        None,
                    );
                }
                break;
            }
            let tomorrow = add_days(day, 1);
            day = if busy {
                tomorrow
            } else {
                match [a.next.map(|n| n.on), reply_on].into_iter().flatten().min() {
                    Some(next) => next.max(tomorrow),
                    None => break,
                }
            };
        }
    }

    /// Runs every planned statement through the store, in date order.
    fn write(&self, st: &mut Store) -> Result<Counts> {
        let mut counts = Counts::default();
        let now = |on: NaiveDate, salt: u64| -> String {
            let s = salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            format!(
                "{on}T{:02}:{:02}:{:02}Z",
                8 + s % 10,
                (s / 10) % 60,
                (s / 600) % 60
            )
        };
        // Clients first, each created a little before its first invoice.
        let mut first_on = vec![self.today; self.clients.len()];
        for inv in &self.invoices {
            let f = &mut first_on[inv.client as usize];
            *f = (*f).min(inv.entered_on);
        }
        let mut client_ids = Vec::with_capacity(self.clients.len());
        st.write(|tx| {
            let mut order: Vec<usize> = (0..self.clients.len()).collect();
            order.sort_by_key(|&i| first_on[i]);
            client_ids.resize(self.clients.len(), 0i64);
            for i in order {
                let c = &self.clients[i];
                let id = store::insert_client(
                    tx,
                    &NewClient {
                        handle: &c.handle,
                        name: &c.name,
                        emails: &c.emails,
                        phone: c.phone.as_deref(),
                        lang: c.lang,
                        notes: c.notes,
                        party: &Default::default(),
                        now: &now(add_days(first_on[i], -1), i as u64),
                    },
                )?;
                client_ids[i] = id;
                if let Some(e) = &c.escalation {
                    store::add_escalation_contact(tx, id, e)?;
                    counts.escalation += 1;
                }
            }
            Ok(())
        })?;

        let mut ids = vec![0i64; self.invoices.len()];
        let mut numbers = vec![String::new(); self.invoices.len()];
        let mut per_year: std::collections::HashMap<i32, u32> = std::collections::HashMap::new();
        let mut subject = String::new();
        for (chunk_no, chunk) in self.events.chunks(CHUNK).enumerate() {
            let t0 = Instant::now();
            st.write(|tx| {
                for (k, e) in chunk.iter().enumerate() {
                    let salt = (chunk_no * CHUNK + k) as u64;
                    let i = e.invoice as usize;
                    let inv = &self.invoices[i];
                    let client = &self.clients[inv.client as usize];
                    let id = ids[i];
                    if id == 0 && !matches!(e.kind, Kind::Create) {
                        bail!("internal error: an event before its invoice was entered");
                    }
                    let at = now(e.on, salt);
                    match &e.kind {
                        Kind::Create => {
                            let seq = per_year.entry(inv.entered_on.year()).or_default();
                            *seq += 1;
                            let number = format!("{}-{:06}", inv.entered_on.year(), seq);
                            let link = inv
                                .pay_link
                                .then(|| format!("https://pay.example.com/i/{number}"));
                            ids[i] = store::insert_invoice(
                                tx,
                                &NewInvoice {
                                    number: &number,
                                    client_id: client_ids[inv.client as usize],
                                    issued: inv.issued,
                                    due: inv.due,
                                    amount: inv.amount,
                                    currency: client.currency,
                                    description: Some(DESCRIPTIONS[inv.description as usize]),
                                    pay_link: link.as_deref(),
                                    start_step: inv
                                        .start_step
                                        .map(|s| self.ladder.steps()[s as usize].name.as_str()),
                                    entered_on: inv.entered_on,
                                    reference: dun::domain::reference::ReferenceKind::Rf,
                                    now: &at,
                                },
                            )?;
                            numbers[i] = number;
                        }
                        Kind::Log {
                            channel,
                            inbound,
                            step,
                            outcome,
                            note,
                            until,
                        } => {
                            let step_name = step.map(|s| self.ladder.steps()[s as usize].name.as_str());
                            let email_out = *channel == Channel::Email && !inbound;
                            let (recipients, message_id) = if email_out {
                                subject.clear();
                                let n = &numbers[i];
                                match step_name {
                                    Some("reminder") => {
                                        subject.push_str(&format!("Reminder: invoice {n} from {SENDER}"))
                                    }
                                    _ => subject.push_str(&format!("Overdue invoice {n} from {SENDER}")),
                                }
                                // One message per client and day (SPEC.md §3 rule 9).
                                let h = (u64::from(inv.client) << 20 ^ e.on.num_days_from_ce() as u64)
                                    .wrapping_mul(0x2545_F491_4F6C_DD1D);
                                (
                                    Some(client.emails.join(", ")),
                                    Some(format!("<{}.{:016x}@mail.example.com>", e.on.format("%Y%m%d"), h)),
                                )
                            } else {
                                (None, None)
                            };
                            let promise_note = until.map(|u| format!("promised to pay by {u}"));
                            store::insert_log(
                                tx,
                                &NewLog {
                                    invoice_id: id,
                                    channel: *channel,
                                    inbound: *inbound,
                                    on: e.on,
                                    at: &at,
                                    step: step_name,
                                    outcome: *outcome,
                                    note: promise_note.as_deref().or(*note),
                                    recipients: recipients.as_deref(),
                                    subject: email_out.then_some(subject.as_str()),
                                    message_id: message_id.as_deref(),
                                    delivery: email_out.then_some(Delivery::Sent),
                                    deadline: None,
                                    message_key: None,
                                },
                            )?;
                            counts.logs += 1;
                            match channel {
                                _ if *inbound => counts.inbound += 1,
                                Channel::Email => counts.emails += 1,
                                Channel::Call => counts.calls += 1,
                                Channel::Letter => counts.letters += 1,
                                _ => {}
                            }
                        }
                        Kind::Pay { amount, method } => {
                            store::insert_payment(
                                tx,
                                id,
                                &PaymentRow {
                                    amount: *amount,
                                    paid_on: e.on,
                                    method: Some((*method).into()),
                                    note: None,
                                },
                                &at,
                            )?;
                            counts.payments += 1;
                        }
                        Kind::Hold { kind, until, note } => {
                            store::insert_hold(tx, id, *kind, e.on, *until, *note, &at)?;
                            counts.holds += 1;
                        }
                        Kind::Close {
                            why,
                            write_down,
                            note,
                        } => {
                            store::set_closed(tx, id, Some(*why), Some(e.on), *note, *write_down)?;
                            match *why {
                                "paid" => counts.paid += 1,
                                "void" => counts.void += 1,
                                "settled" => counts.settled += 1,
                                _ => counts.written_off += 1,
                            }
                        }
                    }
                }
                Ok(())
            })
            .with_context(|| format!("writing statements {}..", chunk_no * CHUNK))?;
            eprintln!(
                "gen: {} statements written ({:.1} s for this batch)",
                (chunk_no * CHUNK + chunk.len()),
                t0.elapsed().as_secs_f64()
            );
        }
        Ok(counts)
    }
}

fn case<'a>(inv: &'a Invoice, ladder: &'a Ladder, contacts: &'a [Contact], holds: &'a [Hold]) -> Case<'a> {
    Case {
        due: inv.due,
        balance: inv.amount,
        closed: false,
        start_step: inv.start_step.map(|s| ladder.steps()[s as usize].name.as_str()),
        entered_on: inv.entered_on,
        contacts,
        holds,
        email_bounced: false,
    }
}
