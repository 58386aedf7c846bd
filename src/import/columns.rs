//! The columns `dun import` reads and the header names accepted for each
//! (SPEC.md §14): dun's own English names, the ones spreadsheets and
//! invoicing tools commonly write, and the Swedish, Turkish, Russian and
//! Romanian names of those countries' tools. docs/import.md and `dun import
//! --help` list them from this table.

/// One fact a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Number,
    Client,
    ClientName,
    Email,
    Phone,
    Lang,
    Address,
    Country,
    OrgNumber,
    Consumer,
    Issued,
    Due,
    Terms,
    Amount,
    Currency,
    Paid,
    PaidOn,
    Balance,
    Description,
    PayLink,
    Step,
}

/// Each field with its name (first) and the other header names accepted,
/// as written in the tools' exports. Matching ignores case, spaces, `_ - .
/// ( ) :` and accents (see [`normalize`]), so `Invoice No.`, `invoice_no`
/// and `INVOICE NO` are one name, and so are `Müşteri` and `Musteri`.
pub const COLUMNS: &[(Field, &str, &[&str])] = &[
    (
        Field::Number,
        "number",
        &[
            "invoice",
            "invoice number",
            "invoice no",
            "invoice nr",
            "invoice #",
            "invoice id",
            "inv #",
            "inv no",
            "no",
            "#",
            // sv
            "fakturanummer",
            "fakturanr",
            "faktura nr",
            "faktura",
            // tr
            "fatura no",
            "fatura numarası",
            "fatura nr",
            "belge no",
            // ru
            "номер счета",
            "номер счёта",
            "№ счета",
            "№ счёта",
            "номер",
            "номер документа",
            // ro
            "număr factură",
            "nr factură",
            "nr. factură",
            "factură",
            "număr",
            "nr",
        ],
    ),
    (
        Field::Client,
        "client",
        &[
            "customer",
            "client handle",
            "handle",
            "client id",
            "customer id",
            // sv
            "kund",
            // tr
            "müşteri",
            "cari",
            "cari hesap",
            // ru
            "контрагент",
            "покупатель",
            "клиент",
            "заказчик",
            // ro: "client" is the same word
            "beneficiar",
            "cumpărător",
        ],
    ),
    (
        Field::ClientName,
        "client_name",
        &[
            "client name",
            "customer name",
            "company",
            "company name",
            "bill to",
            // sv
            "kundnamn",
            "företag",
            // tr
            "müşteri adı",
            "müşteri unvanı",
            "cari adı",
            "cari unvanı",
            "unvan",
            // ru
            "наименование контрагента",
            "наименование покупателя",
            "наименование клиента",
            "название клиента",
            // ro
            "nume client",
            "denumire client",
            "denumire",
        ],
    ),
    (
        Field::Email,
        "email",
        &[
            "e-mail",
            "email address",
            "e-mail address",
            "mail",
            "customer email",
            "client email",
            // sv
            "e-post",
            "e-postadress",
            // tr
            "e-posta",
            "e-posta adresi",
            // ru
            "электронная почта",
            "эл. почта",
            "почта",
            // ro
            "adresă email",
            "adresă de e-mail",
        ],
    ),
    (
        Field::Phone,
        "phone",
        &[
            "telephone",
            "phone number",
            "tel",
            "mobile",
            // sv, tr, ro
            "telefon",
            "telefonnummer",
            "telefon no",
            "gsm",
            // ru
            "телефон",
            "тел",
        ],
    ),
    (
        Field::Lang,
        "lang",
        &[
            "language", "locale", // sv
            "språk",  // tr
            "dil",    // ru
            "язык",   // ro
            "limbă",
        ],
    ),
    (
        Field::Address,
        "address",
        &[
            "billing address",
            "postal address",
            "street address",
            // sv
            "adress",
            "postadress",
            "fakturaadress",
            // tr
            "adres",
            "fatura adresi",
            // ru
            "адрес",
            "юридический адрес",
            "почтовый адрес",
            // ro
            "adresă",
            "adresă client",
            "sediu",
        ],
    ),
    (
        Field::Country,
        "country",
        &[
            "country code",
            // sv
            "land",
            "landskod",
            // tr
            "ülke",
            "ülke kodu",
            // ru
            "страна",
            "код страны",
            // ro
            "țară",
            "țara",
            "cod țară",
        ],
    ),
    (
        // The company registration number, not the VAT number (a VAT
        // column stays unknown: the two are different numbers).
        Field::OrgNumber,
        "org_number",
        &[
            "org number",
            "company number",
            "company no",
            "registration number",
            // sv
            "organisationsnummer",
            "org.nr",
            "orgnr",
            // tr
            "vergi no",
            "vergi numarası",
            "sicil no",
            "mersis no",
            // ru
            "инн",
            "огрн",
            // ro
            "cui",
            "cod fiscal",
            "nr. reg. com.",
        ],
    ),
    (
        Field::Consumer,
        "consumer",
        &[
            "private person",
            // sv
            "privatperson",
            "privatkund",
            // tr
            "bireysel",
            // ru
            "физлицо",
            "частное лицо",
            // ro
            "persoană fizică",
        ],
    ),
    (
        Field::Issued,
        "issued",
        &[
            "issue date",
            "invoice date",
            "date",
            "date issued",
            // sv
            "fakturadatum",
            "datum",
            // tr
            "fatura tarihi",
            "düzenleme tarihi",
            "tarih",
            // ru
            "дата",
            "дата счета",
            "дата счёта",
            "дата выставления",
            // ro
            "data",
            "dată",
            "data emiterii",
            "data facturii",
        ],
    ),
    (
        Field::Due,
        "due",
        &[
            "due date",
            "due on",
            "payment due",
            "pay by",
            // sv
            "förfallodatum",
            "förfallodag",
            "förfaller",
            // tr
            "vade tarihi",
            "vade",
            "son ödeme tarihi",
            // ru
            "срок оплаты",
            "оплатить до",
            // ro
            "data scadenței",
            "scadență",
            "termen de plată",
        ],
    ),
    (
        Field::Terms,
        "terms",
        &[
            "payment terms",
            "terms days",
            "net days",
            // sv
            "betalningsvillkor",
            "betalvillkor",
            "kredittid",
            // tr
            "vade gün",
            "vade günü",
            "vade süresi",
            // ru
            "отсрочка",
            "отсрочка платежа",
            "дней отсрочки",
            // ro
            "termen de plată zile",
            "zile de plată",
        ],
    ),
    (
        Field::Amount,
        "amount",
        &[
            "total",
            "invoice total",
            "total amount",
            "invoice amount",
            "grand total",
            // sv
            "belopp",
            "summa",
            "totalt",
            "totalbelopp",
            "fakturabelopp",
            // tr
            "tutar",
            "toplam",
            "genel toplam",
            "fatura tutarı",
            // ru
            "сумма",
            "итого",
            "сумма счета",
            "сумма счёта",
            "всего",
            // ro: "total" is the same word
            "valoare",
            "valoare totală",
            "total factură",
            "sumă",
        ],
    ),
    (
        Field::Currency,
        "currency",
        &[
            "curr",
            "ccy",
            // sv
            "valuta",
            // tr
            "para birimi",
            "döviz",
            // ru
            "валюта",
            // ro
            "monedă",
            "valută",
        ],
    ),
    (
        Field::Paid,
        "paid",
        &[
            "amount paid",
            "paid amount",
            "payments",
            "received",
            // sv
            "betalt",
            "betalat",
            "inbetalt",
            // tr
            "ödenen",
            "ödenen tutar",
            "tahsil edilen",
            // ru
            "оплачено",
            "сумма оплаты",
            // ro
            "plătit",
            "încasat",
            "achitat",
            "sumă achitată",
        ],
    ),
    (
        Field::PaidOn,
        "paid_on",
        &[
            "paid on",
            "paid date",
            "payment date",
            "date paid",
            // sv
            "betaldatum",
            "betalningsdatum",
            // tr
            "ödeme tarihi",
            "tahsilat tarihi",
            // ru
            "дата оплаты",
            // ro
            "data plății",
            "data încasării",
        ],
    ),
    (
        Field::Balance,
        "balance",
        &[
            "amount due",
            "balance due",
            "outstanding",
            "open amount",
            // sv
            "saldo",
            "att betala",
            "kvar att betala",
            "restbelopp",
            // tr
            "bakiye",
            "kalan",
            "kalan tutar",
            // ru
            "остаток",
            "задолженность",
            "к оплате",
            // ro
            "sold",
            "rest de plată",
        ],
    ),
    (
        Field::Description,
        "description",
        &[
            "memo",
            "details",
            "subject",
            // sv
            "beskrivning",
            "avser",
            "specifikation",
            // tr
            "açıklama",
            // ru
            "описание",
            "комментарий",
            // ro
            "descriere",
            "detalii",
            "mențiuni",
        ],
    ),
    (
        Field::PayLink,
        "pay_link",
        &[
            "pay link",
            "payment link",
            "link",
            "url",
            "payment url",
            // sv
            "betallänk",
            "länk",
            // tr
            "ödeme linki",
            "ödeme bağlantısı",
            // ru
            "ссылка",
            "ссылка на оплату",
            // ro
            "link de plată",
        ],
    ),
    (
        Field::Step,
        "step",
        &[
            "ladder step",
            // sv
            "steg",
            // tr
            "adım",
            // ru
            "шаг",
            // ro
            "pas",
            "etapă",
        ],
    ),
];

impl Field {
    /// The column's own name, as in SPEC.md §14.
    pub fn name(self) -> &'static str {
        COLUMNS
            .iter()
            .find(|(f, _, _)| *f == self)
            .map(|(_, n, _)| *n)
            .unwrap_or("?")
    }

    /// The field a header names, if any.
    pub fn from_header(header: &str) -> Option<Field> {
        let key = normalize(header);
        if key.is_empty() {
            return None;
        }
        COLUMNS
            .iter()
            .find(|(_, name, aliases)| normalize(name) == key || aliases.iter().any(|a| normalize(a) == key))
            .map(|(f, _, _)| *f)
    }
}

/// A header as compared: lower case, without spaces, `_ - . ( ) :`, and
/// with the accents of the five languages' letters taken off (`Förfallodatum`
/// → `forfallodatum`, `Müşteri` → `musteri`, `Număr factură` → `numarfactura`;
/// `ё` → `е`).
pub fn normalize(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        for l in c.to_lowercase() {
            let base = match l {
                c if c.is_whitespace() => continue,
                '_' | '-' | '.' | '(' | ')' | ':' | '\u{307}' => continue,
                'å' | 'ä' | 'á' | 'à' | 'â' | 'ă' | 'ã' => 'a',
                'ö' | 'ó' | 'ò' | 'ô' | 'ø' | 'õ' => 'o',
                'ü' | 'ú' | 'ù' | 'û' => 'u',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' | 'ı' => 'i',
                'ç' => 'c',
                'ş' | 'ș' => 's',
                'ț' | 'ţ' => 't',
                'ğ' => 'g',
                'ñ' => 'n',
                'ё' => 'е',
                other => other,
            };
            out.push(base);
        }
    }
    out
}

/// The text under `dun import --help`: the columns and their names.
pub fn long_help() -> String {
    let mut out = String::from(
        "Columns, found by their header (case, spaces, _ - . ( ) : and accents ignored); \
         each line is dun's name, then the other names accepted:\n\n",
    );
    // Wrapped here, with a hanging indent, to stay inside 80 columns.
    for (_, name, aliases) in COLUMNS {
        let mut line = format!("  {name}:");
        for (i, a) in aliases.iter().enumerate() {
            let word = if i + 1 < aliases.len() {
                format!(" {a},")
            } else {
                format!(" {a}")
            };
            if line.chars().count() + word.chars().count() > 78 {
                out.push_str(&line);
                out.push('\n');
                line = String::from("     ");
            }
            line.push_str(&word);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(
        "\nA client is found by its handle, then by its exact name, or else added. \
         Amounts with a decimal point or, when the whole file writes them so, a decimal comma \
         (1 200,50 or 1.200,50). Dates YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY, one way throughout. \
         docs/import.md says more.",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_name_belongs_to_two_columns() {
        let mut seen: std::collections::HashMap<String, Field> = Default::default();
        for (field, name, aliases) in COLUMNS {
            for n in std::iter::once(name).chain(aliases.iter()) {
                let key = normalize(n);
                assert!(!key.is_empty(), "{n:?}");
                if let Some(other) = seen.insert(key.clone(), *field) {
                    assert_eq!(other, *field, "{n:?} ({key}) names {other:?} and {field:?}");
                }
            }
        }
    }

    #[test]
    fn the_docs_list_every_name() {
        let doc = include_str!("../../docs/import.md");
        for (_, name, aliases) in COLUMNS {
            assert!(doc.contains(&format!("`{name}`")), "docs/import.md lacks {name}");
            for a in *aliases {
                assert!(doc.contains(a), "docs/import.md lacks {a:?}");
            }
        }
    }

    #[test]
    fn headers_as_tools_write_them() {
        for (header, field) in [
            ("Invoice #", Field::Number),
            ("Invoice No.", Field::Number),
            ("INVOICE_NUMBER", Field::Number),
            ("\u{feff}Fakturanummer", Field::Number),
            ("Kund", Field::Client),
            ("Förfallodatum", Field::Due),
            ("Forfallodatum", Field::Due),
            ("Belopp", Field::Amount),
            ("Fatura No", Field::Number),
            ("Müşteri", Field::Client),
            ("MUSTERI", Field::Client),
            ("Vade Tarihi", Field::Due),
            ("Tutar", Field::Amount),
            ("Номер счёта", Field::Number),
            ("Номер счета", Field::Number),
            ("Контрагент", Field::Client),
            ("Покупатель", Field::Client),
            ("Срок оплаты", Field::Due),
            ("Сумма", Field::Amount),
            ("Număr factură", Field::Number),
            ("Numar factura", Field::Number),
            ("Client", Field::Client),
            ("Data scadenței", Field::Due),
            ("Data scadentei", Field::Due),
            ("Total", Field::Amount),
            ("Valoare", Field::Amount),
            ("Client Name", Field::ClientName),
            ("Customer", Field::Client),
            ("Due Date", Field::Due),
            ("Balance", Field::Balance),
            ("Amount Paid", Field::Paid),
            ("paid_on", Field::PaidOn),
            ("pay_link", Field::PayLink),
            ("Land", Field::Country),
            ("Ülke", Field::Country),
            ("Код страны", Field::Country),
            ("Țară", Field::Country),
            ("Organisationsnummer", Field::OrgNumber),
            ("Org.nr", Field::OrgNumber),
            ("Vergi No", Field::OrgNumber),
            ("ИНН", Field::OrgNumber),
            ("CUI", Field::OrgNumber),
            ("Nr. Reg. Com.", Field::OrgNumber),
            ("Privatperson", Field::Consumer),
            ("Persoană fizică", Field::Consumer),
            ("Частное лицо", Field::Consumer),
        ] {
            assert_eq!(Field::from_header(header), Some(field), "{header:?}");
        }
        assert_eq!(Field::from_header("VAT"), None);
        assert_eq!(Field::from_header("VAT number"), None);
        assert_eq!(Field::from_header("  "), None);
    }
}
