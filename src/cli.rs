//! What the user typed, as clap types. No I/O and no interpretation here:
//! dates and amounts stay text until a command reads them with *today* and
//! the currency in hand. The doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// dun gets your unpaid invoices paid: it keeps clients, invoices, payments
/// and every contact in one local file, and tells you each morning what to
/// send, whom to phone and which letter to write.
#[derive(Debug, Parser)]
#[command(name = "dun", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// None: plain `dun`, which prints a short overview.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The options every command takes. `DUN_DB`, `DUN_CONFIG` and `DUN_TODAY`
/// are read by the context, not by clap: a value clap takes from the
/// environment counts as typed, and its usage line after an error would
/// list them as if they were required.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The database file; env DUN_DB [default: ~/.local/share/dun/dun.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The config file; env DUN_CONFIG [default: ~/.config/dun/config.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The date every rule is computed for: YYYY-MM-DD, today or yesterday;
    /// env DUN_TODAY [default: the system date]
    #[arg(long, global = true, value_name = "DATE")]
    pub today: Option<String>,
    /// Output format for lists and records
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// When to use colour (NO_COLOR turns it off too)
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Print nothing but errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say more about what is happening (on stderr)
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Show every column of a table, however wide (tables fit the terminal otherwise)
    #[arg(long, global = true)]
    pub wide: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented config file with the default ladder and an SMTP section
    Init {
        /// Overwrite an existing config file
        #[arg(long)]
        force: bool,
    },
    /// Add, list, show, edit or remove clients
    #[command(subcommand)]
    Client(ClientCommand),
    /// Add, list, show, edit or void invoices
    #[command(subcommand)]
    Invoice(InvoiceCommand),
    /// Record a payment (no amount: the whole balance)
    Pay {
        /// The invoice number
        number: String,
        /// The amount paid, like 600 or 600.50 [default: the whole balance]
        #[arg(allow_negative_numbers = true)]
        amount: Option<String>,
        /// The day the money arrived: YYYY-MM-DD, today or yesterday [default: today]
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// How it was paid, e.g. bank, card, cash
        #[arg(long)]
        method: Option<String>,
        /// A note kept with the payment, e.g. the bank's reference
        #[arg(long)]
        note: Option<String>,
    },
    /// Record a contact: a call, letter, e-mail, visit, sms or note
    Log(LogArgs),
    /// Hold the ladder until the client's promised payment date
    Promise {
        /// The invoice number
        number: String,
        /// The date the client promised to pay by
        #[arg(long, value_name = "DATE")]
        until: String,
        /// A note kept with the promise, e.g. who promised
        #[arg(long)]
        note: Option<String>,
    },
    /// Hold the ladder while the client disputes the invoice
    Dispute {
        /// The invoice number
        number: String,
        /// What the client disputes, kept with the invoice
        #[arg(long)]
        reason: Option<String>,
    },
    /// End a dispute: the ladder resumes
    Resolve {
        /// The invoice number
        number: String,
    },
    /// Pause the ladder for an invoice, until a date or until `dun resume`
    Pause {
        /// The invoice number
        number: String,
        /// The last day of the pause [default: until dun resume]
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
    },
    /// End a pause: the ladder resumes
    Resume {
        /// The invoice number
        number: String,
    },
    /// Record a final settlement: AMOUNT received, the rest written down
    Settle {
        /// The invoice number
        number: String,
        /// The amount received in full and final settlement
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// The day the settlement money arrived [default: today]
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// A note kept with the settlement, e.g. the terms agreed
        #[arg(long)]
        note: Option<String>,
    },
    /// Write off what is left of an invoice: it leaves the ladder for good
    WriteOff {
        /// The invoice number
        number: String,
        /// Why it is written off, kept with the invoice
        #[arg(long)]
        reason: Option<String>,
    },
    /// The morning agenda: every e-mail, call and letter due today
    Due,
    /// The overdue report, oldest first (--format csv for a spreadsheet)
    Overdue,
    /// What you are owed: per currency unpaid, overdue and ageing; per client
    /// the balance, the oldest overdue invoice and how late it usually pays
    Summary,
    /// Print the escalation ladder in force
    Ladder,
    /// Print the reference rates and fixed sums of late-payment law in force, with their sources
    Rates,
    /// Send the reminders that are due, by SMTP, exactly once
    Send(SendArgs),
    /// Print the exact message dun send would send for an invoice
    Preview(PreviewArgs),
    /// Print a letter (the demand, a reminder by post) as text or PDF
    Letter(LetterArgs),
    /// Agree a payment plan for an invoice's balance, or cancel one
    Plan(PlanArgs),
    /// Check the SMTP settings
    #[command(subcommand)]
    Smtp(SmtpCommand),
    /// Read replies, out-of-office answers and bounces from the mailbox and log them
    Inbox(InboxArgs),

    /// Bring clients and invoices in from a CSV file, one row per invoice
    #[command(
        after_help = "Columns are found by their header; dun import --help lists the names accepted.",
        after_long_help = crate::import::columns::long_help()
    )]
    Import(ImportArgs),
    /// Fill a new, empty database with example clients and invoices to try dun
    Demo,
    /// Read bank statements, match the payments to open invoices and record them
    Bank(BankArgs),
    /// Check the database file and the ladder state dun keeps for speed against the records
    Check {
        /// Rebuild the kept ladder state from the records (one transaction)
        #[arg(long)]
        repair: bool,
    },
    /// Print the manual page (roff): dun man | man -l -
    Man,
    /// Print shell completions for bash, zsh, fish, elvish or powershell
    Completions {
        /// The shell to print completions for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Add a client; prints its handle
    Add {
        /// The client's name, as on your invoices
        name: String,
        /// A short unique name to type later [default: derived from the name]
        #[arg(long)]
        handle: Option<String>,
        /// An e-mail address for reminders, optionally with the name of the person who reads it: "Jane Cole <jane@acme.example>" (repeat for several)
        #[arg(long = "email", value_name = "E")]
        emails: Vec<String>,
        /// The phone number to call, as you would dial it, e.g. "+46 8 123 45 67"
        #[arg(long)]
        phone: Option<String>,
        /// Language of messages: en, sv, tr, ru, ro [default: from config]
        #[arg(long)]
        lang: Option<String>,
        /// An escalation contact, "Name <e-mail>" with an optional phone after it (repeatable)
        #[arg(long = "contact", value_name = "\"NAME <E-MAIL>\"")]
        contacts: Vec<String>,
        /// The role of the escalation contact at the same position, e.g. CFO (repeatable)
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Notes for yourself about the client (never sent)
        #[arg(long)]
        notes: Option<String>,
        #[command(flatten)]
        party: PartyArgs,
    },
    /// List clients with their open balances
    List,
    /// The client's statement: details, invoices, balances, payments and contact history
    Show {
        /// The client: its handle, a prefix of it that fits one client, or its exact name
        handle: String,
    },
    /// Change a client's details
    Edit {
        /// The client: its handle, a prefix of it that fits one client, or its exact name
        handle: String,
        /// A new handle for the client (lowercase letters, digits and -)
        #[arg(long = "handle", value_name = "NEW")]
        new_handle: Option<String>,
        /// The client's new name, as on your invoices
        #[arg(long)]
        name: Option<String>,
        /// Replace the e-mail addresses, each optionally "Name <address>" (repeat for several); clears a bounce
        #[arg(long = "email", value_name = "E")]
        emails: Vec<String>,
        /// The new phone number; "" clears it
        #[arg(long)]
        phone: Option<String>,
        /// The new language of messages: en, sv, tr, ru, ro
        #[arg(long)]
        lang: Option<String>,
        /// Add an escalation contact, "Name <e-mail>" (repeatable)
        #[arg(long = "contact", value_name = "\"NAME <E-MAIL>\"")]
        contacts: Vec<String>,
        /// The role of the added contact at the same position, e.g. CFO (repeatable)
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Remove the escalation contact with this name
        #[arg(long = "remove-contact", value_name = "NAME")]
        remove_contacts: Vec<String>,
        /// Replace your notes about the client; "" clears them
        #[arg(long)]
        notes: Option<String>,
        #[command(flatten)]
        party: PartyArgs,
        /// The client is a business after all (undoes --consumer)
        #[arg(long, conflicts_with = "consumer")]
        business: bool,
    },
    /// Remove a client that has no invoices
    Remove {
        /// The client: its handle, a prefix of it that fits one client, or its exact name
        handle: String,
    },
}

/// Who the client is on paper and in law (letters, statutory charges).
#[derive(Debug, Args, Default)]
pub struct PartyArgs {
    /// Postal address for letters; lines separated by a newline or " | "
    /// ("Storgatan 1 | 111 22 Stockholm"); "" clears it
    #[arg(long, value_name = "ADDRESS")]
    pub address: Option<String>,
    /// Company registration number, printed in letters; "" clears it
    #[arg(long, value_name = "NUMBER")]
    pub org_number: Option<String>,
    /// Country whose law applies: ISO 3166-1 code like SE, GB, TR, RO, RU, DE
    /// [default: [defaults] country]; "" clears it
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,
    /// The client is a consumer, not a business: no business charges
    #[arg(long)]
    pub consumer: bool,
}

#[derive(Debug, Subcommand)]
pub enum InvoiceCommand {
    /// Add an invoice
    Add(InvoiceAdd),
    /// List invoices
    List {
        /// Only this status: open, overdue, on-hold, paid, settled, written-off, void
        #[arg(long)]
        status: Option<String>,
        /// Only this client's invoices (handle, a prefix of it, or exact name)
        #[arg(long)]
        client: Option<String>,
    },
    /// The invoice and its whole timeline
    Show {
        /// The invoice number
        number: String,
    },
    /// Change an invoice's details
    Edit {
        /// The invoice number
        number: String,
        /// Move the invoice to another client (only before any contact is logged on it)
        #[arg(long)]
        client: Option<String>,
        /// The corrected invoice total, like 1200.00
        #[arg(long, allow_negative_numbers = true)]
        amount: Option<String>,
        /// The corrected currency, an ISO 4217 code like EUR
        #[arg(long)]
        currency: Option<String>,
        /// The corrected issue date
        #[arg(long, value_name = "DATE")]
        issued: Option<String>,
        /// The corrected due date
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
        /// What the invoice is for, as the reminders quote it; "" clears it
        #[arg(long)]
        description: Option<String>,
        /// Where the client can pay; "" clears it
        #[arg(long, value_name = "URL")]
        pay_link: Option<String>,
    },
    /// Cancel an invoice that was issued in error
    Void {
        /// The invoice number
        number: String,
        /// Why it is void, kept with the invoice
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct InvoiceAdd {
    /// Your invoice number, e.g. 2026-014
    pub number: String,
    /// The client: its handle, a prefix of it that fits one client, or its exact name
    #[arg(long)]
    pub client: String,
    /// The invoice total, like 1200.00
    #[arg(long, allow_negative_numbers = true)]
    pub amount: String,
    /// ISO 4217 code [default: from config, else EUR]
    #[arg(long)]
    pub currency: Option<String>,
    /// Issue date [default: today]
    #[arg(long, value_name = "DATE")]
    pub issued: Option<String>,
    /// Due date
    #[arg(long, value_name = "DATE", conflicts_with = "terms")]
    pub due: Option<String>,
    /// Payment terms in days after the issue date, 0 to 3650 [default: from config, else 30]
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub terms: Option<u32>,
    /// What the invoice is for, as the reminders quote it
    #[arg(long)]
    pub description: Option<String>,
    /// Where the client can pay
    #[arg(long, value_name = "URL")]
    pub pay_link: Option<String>,
    /// The steps before this one were done elsewhere: it is the next one due
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The invoice number
    pub number: String,
    /// email, call, letter, visit, sms or note
    pub channel: String,
    /// no-answer, voicemail, talked, promised, disputed, refused, replied or bounced
    #[arg(long)]
    pub outcome: Option<String>,
    /// What was said or done, kept in the contact log
    #[arg(long)]
    pub note: Option<String>,
    /// The client contacted you (a reply or a call from them holds the ladder for min_gap_days)
    #[arg(long)]
    pub inbound: bool,
    /// When it happened [default: today]
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// The ladder step this contact does [default: the task of this channel due now]
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// With --outcome promised: the promised payment date
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// A letter: the days it gave the client to pay, from its date [default: 14]
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=365))]
    pub deadline: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Show what would be sent; send nothing, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Send without asking (needed when not on a terminal, e.g. from cron)
    #[arg(long)]
    pub yes: bool,
    /// Only this invoice
    #[arg(long, value_name = "NUMBER")]
    pub invoice: Option<String>,
    /// Only this client
    #[arg(long, value_name = "HANDLE")]
    pub client: Option<String>,
    /// Leave out this invoice, or every invoice of this client (repeatable)
    #[arg(long, value_name = "NUMBER|CLIENT")]
    pub except: Vec<String>,
    /// Send again the e-mails a stopped run left in an unknown state
    #[arg(long)]
    pub resend_unknown: bool,
    /// Send without reading the inbox ([imap] or [maildir]) first
    #[arg(long)]
    pub no_inbox: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InboxArgs {
    #[command(subcommand)]
    pub command: Option<InboxCommand>,
    /// Read the mailbox and show what would be logged; write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Connect, log in, open each mailbox read-only and say how many messages it holds
    Test,
}

#[derive(Debug, Args)]
pub struct BankArgs {
    /// Statement files: camt.053/054 (XML), OFX, or CSV as described by [bank.csv]
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Read the files as this format instead of recognising them by content
    #[arg(long = "as", value_enum, value_name = "FORMAT")]
    pub as_format: Option<BankFormat>,
    /// Show the matches; record nothing, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Record the certain matches without asking (needed when not on a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Record the probable matches too (amount and payer fit one open invoice)
    #[arg(long)]
    pub accept_probable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BankFormat {
    Camt,
    Ofx,
    Csv,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file: a spreadsheet's or another tool's export, one row per invoice
    pub file: PathBuf,
    /// Show what would be added, changed and skipped; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Take the file's facts where a client or an invoice in dun differs
    #[arg(long)]
    pub update: bool,
    /// The steps before this one were done elsewhere, for every invoice of
    /// the file (a step column says it per row)
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The invoice number
    pub number: String,
    /// Preview this e-mail step instead of the one due
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
}

#[derive(Debug, Args)]
pub struct LetterArgs {
    /// The invoice number
    #[arg(required_unless_present = "due", conflicts_with = "due")]
    pub number: Option<String>,
    /// Every letter step due today, one file each in the folder --out names
    #[arg(long, conflicts_with = "step")]
    pub due: bool,
    /// The letter of this ladder step [default: the letter step due, or the next]
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// Write a PDF for a window envelope (also when --out ends in .pdf)
    #[arg(long)]
    pub pdf: bool,
    /// Write the letter to this file (with --due: into this folder)
    #[arg(long, value_name = "PATH")]
    pub out: Option<std::path::PathBuf>,
    /// Record each letter in the contact log, as dun log NUMBER letter does
    #[arg(long)]
    pub log: bool,
    /// Days the client is given to pay, 1 to 365 [default: 14, or more where the client's law asks for more]
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=365))]
    pub deadline: Option<u32>,
}

/// `dun plan`: the options are checked together by the command, so that a
/// wrong combination gets dun's own one-line message.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The invoice number
    pub number: String,
    /// Split the balance into N equal instalments (with --every or --monthly, and --first)
    #[arg(long, value_name = "N")]
    pub instalments: Option<String>,
    /// Days between two instalments
    #[arg(long, value_name = "DAYS")]
    pub every: Option<String>,
    /// One instalment a month, on the day of --first (or the month's last day where it is shorter)
    #[arg(long)]
    pub monthly: bool,
    /// The date of the first instalment
    #[arg(long, value_name = "DATE")]
    pub first: Option<String>,
    /// One instalment, like 2026-12-20=500 (repeat; together they must make the balance)
    #[arg(long = "at", value_name = "DATE=AMOUNT")]
    pub at: Vec<String>,
    /// End the invoice's plan (it stays on record): the ladder resumes
    #[arg(long)]
    pub cancel: bool,
    /// A note kept with the plan
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SmtpCommand {
    /// Connect, log in and quit, sending nothing
    Test,
}
