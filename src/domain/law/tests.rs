use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cur(code: &str) -> Currency {
    Currency::from_code(code).unwrap()
}

fn rate(country: &str, from: &str, percent: &str) -> RateRow {
    RateRow {
        country: country.into(),
        from: d(from),
        until: None,
        ppm: parse_percent(percent).unwrap(),
        source: "test".into(),
        from_config: true,
    }
}

fn debt<'a>(code: &str, amount: i64, due: &str, payments: &'a [(NaiveDate, i64)]) -> Debt<'a> {
    Debt {
        currency: cur(code),
        amount,
        due: d(due),
        payments,
    }
}

fn law_with(rates: Vec<RateRow>, eur: &[(&str, &str)]) -> Law {
    let eur = eur
        .iter()
        .map(|(c, r)| (c.to_string(), parse_percent(r).unwrap() * 100))
        .collect();
    Law::new(rates, Vec::new(), eur).unwrap()
}

#[test]
fn the_embedded_tables_load_and_every_row_has_a_source() {
    let law = Law::default();
    assert!(law.spans().len() >= 38);
    for s in law.spans() {
        assert!(!s.source.trim().is_empty(), "{s:?}");
        assert!(s.from <= s.to, "{s:?}");
    }
    for r in law.fixed_rows() {
        assert!(!r.source.trim().is_empty(), "{r:?}");
    }
    for set in rule_sets() {
        assert!(!set.margin_source.is_empty(), "{}", set.key);
        assert!(!set.deadline_source.is_empty(), "{}", set.key);
    }
}

#[test]
fn countries_find_their_rule_sets() {
    assert_eq!(rules_for(Some("SE")).key, "SE");
    assert_eq!(rules_for(Some("GB")).key, "GB");
    assert_eq!(rules_for(Some("FR")).key, "EU");
    assert_eq!(rules_for(Some("HR")).key, "EU");
    assert_eq!(rules_for(Some("PL")).key, "EU-other");
    assert_eq!(rules_for(Some("US")).key, "none");
    assert_eq!(rules_for(None).key, "none");
    // Keys of rule sets are not countries.
    assert_eq!(rules_for(Some("EU")).key, "none");
}

#[test]
fn sweden_450_kronor_once_per_invoice_between_businesses() {
    let law = law_with(vec![rate("SE", "2027-01-01", "2.5")], &[("SEK", "11.25")]);
    let c = law
        .claim(
            Some("SE"),
            false,
            &debt("SEK", 100_000, "2027-03-01", &[]),
            d("2027-03-31"),
        )
        .unwrap();
    assert_eq!(c.fee, 45_000);
    assert_eq!(c.fee_law, Some((45_000, cur("SEK"))));
    // The same 450 kr, converted, on an invoice in euros: 450 / 11.25 = 40.00.
    let c = law
        .claim(
            Some("SE"),
            false,
            &debt("EUR", 100_000, "2027-03-01", &[]),
            d("2027-03-31"),
        )
        .unwrap();
    assert_eq!(c.fee, 4_000);
}

#[test]
fn britain_40_70_100_by_the_size_of_the_debt() {
    let law = Law::default();
    let fee = |amount: i64| {
        law.claim(
            Some("GB"),
            false,
            &debt("GBP", amount, "2026-03-01", &[]),
            d("2026-03-31"),
        )
        .unwrap()
        .fee
    };
    assert_eq!(fee(99_999), 4_000);
    assert_eq!(fee(100_000), 7_000);
    assert_eq!(fee(999_999), 7_000);
    assert_eq!(fee(1_000_000), 10_000);
    // The band is the debt when it fell due: a payment before the due date counts.
    let paid = [(d("2026-02-20"), 20_000)];
    let c = law
        .claim(
            Some("GB"),
            false,
            &debt("GBP", 110_000, "2026-03-01", &paid),
            d("2026-03-31"),
        )
        .unwrap();
    assert_eq!(c.fee, 4_000);
}

#[test]
fn britain_fixes_one_rate_for_the_whole_debt() {
    // Interest starting 2025-06-01 takes the H1 2025 rate (4.75 + 8) all the
    // way into H2 2025, whose row says 4.25.
    let law = Law::default();
    let c = law
        .claim(
            Some("GB"),
            false,
            &debt("GBP", 1_000_000, "2025-05-31", &[]),
            d("2025-08-29"),
        )
        .unwrap();
    assert_eq!(c.periods.len(), 1);
    assert_eq!(c.periods[0].ppm, 127_500);
    assert_eq!(c.periods[0].days, 90);
    // 10,000.00 × 12.75 % × 90 / 365 = 314.38
    assert_eq!(c.interest, 31_438);
}

#[test]
fn germany_40_euro_and_nine_points() {
    let law = Law::default();
    let c = law
        .claim(
            Some("DE"),
            false,
            &debt("EUR", 100_000, "2025-07-31", &[]),
            d("2025-08-30"),
        )
        .unwrap();
    assert_eq!(c.fee, 4_000);
    assert_eq!(c.periods[0].ppm, 12_700 + 90_000);
}

#[test]
fn the_eu_40_euro_is_converted_at_the_users_rate_and_missing_is_an_error() {
    let law = law_with(Vec::new(), &[("RON", "4.97")]);
    let c = law
        .claim(
            Some("RO"),
            false,
            &debt("RON", 100_000, "2025-03-01", &[]),
            d("2025-03-31"),
        )
        .unwrap();
    assert_eq!(c.fee, 19_880); // 40 × 4.97
    let e = Law::default()
        .claim(
            Some("RO"),
            false,
            &debt("RON", 100_000, "2025-03-01", &[]),
            d("2025-03-31"),
        )
        .unwrap_err();
    assert!(e.contains("[fees.eur_rates]") && e.contains("RON"), "{e}");
}

#[test]
fn a_consumer_is_charged_nothing() {
    let law = law_with(vec![rate("SE", "2027-01-01", "2.5")], &[]);
    for country in ["SE", "GB", "DE", "RO", "RU", "TR", "FR"] {
        let c = law
            .claim(
                Some(country),
                true,
                &debt("EUR", 100_000, "2025-03-01", &[]),
                d("2025-06-30"),
            )
            .unwrap();
        assert_eq!((c.fee, c.interest), (0, 0), "{country}");
    }
}

#[test]
fn no_country_no_charges() {
    let c = Law::default()
        .claim(
            None,
            false,
            &debt("EUR", 100_000, "2025-03-01", &[]),
            d("2025-06-30"),
        )
        .unwrap();
    assert_eq!((c.fee, c.interest, c.rules.as_str()), (0, 0, "none"));
}

#[test]
fn interest_is_split_at_a_rate_change() {
    // 10,000.00 SEK due 2027-06-01; reference 2.5 % from 2027-01-01 and
    // 2.0 % from 2027-07-01 (config rows, ending with their half-years).
    let law = law_with(
        vec![rate("SE", "2027-01-01", "2.5"), rate("SE", "2027-07-01", "2.0")],
        &[],
    );
    let c = law
        .claim(
            Some("SE"),
            false,
            &debt("SEK", 1_000_000, "2027-06-01", &[]),
            d("2027-07-31"),
        )
        .unwrap();
    // 29 days at 10.5 % and 31 days at 10 %: 83.42… + 84.93… = 168.36 (rounded once).
    assert_eq!(c.interest, 16_836);
    assert_eq!(c.periods.len(), 2);
    assert_eq!((c.periods[0].days, c.periods[0].ppm), (29, 105_000));
    assert_eq!((c.periods[1].days, c.periods[1].ppm), (31, 100_000));
    assert_eq!(c.periods[0].amount + c.periods[1].amount, c.interest);
}

#[test]
fn a_day_no_rate_covers_is_an_error_naming_country_and_day() {
    let law = law_with(vec![rate("SE", "2027-01-01", "2.5")], &[]);
    let e = law
        .claim(
            Some("SE"),
            false,
            &debt("SEK", 1_000_000, "2027-06-01", &[]),
            d("2027-07-31"),
        )
        .unwrap_err();
    assert!(
        e.contains("SE") && e.contains("2027-07-01") && e.contains("[[fees.reference_rate]]"),
        "{e}"
    );
    // An EU member outside the euro has no ECB rate.
    let e = Law::default()
        .claim(
            Some("PL"),
            false,
            &debt("EUR", 100_000, "2025-03-01", &[]),
            d("2025-03-31"),
        )
        .unwrap_err();
    assert!(e.contains("PL") && e.contains("2025-03-02"), "{e}");
}

#[test]
fn no_compounding_interest_never_bears_interest() {
    // Two years at a constant rate are exactly twice one year.
    let law = law_with(
        vec![
            rate("SE", "2027-01-01", "2"),
            rate("SE", "2027-07-01", "2"),
            rate("SE", "2028-01-01", "2"),
            rate("SE", "2028-07-01", "2"),
            rate("SE", "2029-01-01", "2"),
        ],
        &[],
    );
    let one = law
        .claim(
            Some("SE"),
            false,
            &debt("SEK", 1_000_000, "2027-01-01", &[]),
            d("2028-01-01"),
        )
        .unwrap();
    let two = law
        .claim(
            Some("SE"),
            false,
            &debt("SEK", 1_000_000, "2027-01-01", &[]),
            d("2029-01-01"),
        )
        .unwrap();
    assert_eq!(one.interest, 100_000);
    // 2028 has 366 days: 10,000 × 10 % × 731 / 365.
    assert_eq!(two.interest, 200_274);
}

#[test]
fn a_payment_stops_interest_on_its_part() {
    let law = Law::default();
    let paid = [(d("2025-07-31"), 500_000)];
    let c = law
        .claim(
            Some("DE"),
            false,
            &debt("EUR", 1_000_000, "2025-07-01", &paid),
            d("2025-08-30"),
        )
        .unwrap();
    // 30 days on 10,000 and 30 on 5,000, at 10.27 %.
    let expected = (1_000_000i128 * 30 + 500_000 * 30) * 102_700;
    assert_eq!(i128::from(c.interest), (expected + 365_000_000 / 2) / 365_000_000);
}

#[test]
fn turkey_full_rate_and_yearly_fixed_sum() {
    let law = law_with(Vec::new(), &[]);
    let c = law
        .claim(
            Some("TR"),
            false,
            &debt("TRY", 10_000_000, "2025-12-01", &[]),
            d("2026-01-30"),
        )
        .unwrap();
    assert_eq!(c.fee, 147_500, "the sum of the year the debtor fell late");
    assert_eq!(c.periods.len(), 2);
    assert_eq!(c.periods[0].ppm, 532_500);
    assert_eq!(c.periods[1].ppm, 430_000);
    let e = law
        .claim(
            Some("TR"),
            false,
            &debt("TRY", 10_000_000, "2027-03-01", &[]),
            d("2027-03-30"),
        )
        .unwrap_err();
    assert!(e.contains("TR") && e.contains("2027-03-02"), "{e}");
}

#[test]
fn russia_key_rate_by_period_and_no_fixed_sum() {
    let c = Law::default()
        .claim(
            Some("RU"),
            false,
            &debt("RUB", 1_000_000, "2025-06-01", &[]),
            d("2025-06-30"),
        )
        .unwrap();
    assert_eq!(c.fee, 0);
    assert_eq!(c.periods.len(), 2);
    assert_eq!((c.periods[0].ppm, c.periods[1].ppm), (210_000, 200_000));
}

#[test]
fn config_rows_correct_shipped_ones_and_end_with_their_half_year() {
    let law = law_with(
        vec![rate("SE", "2026-01-01", "2.25"), rate("SE", "2027-03-01", "3")],
        &[],
    );
    let spans: Vec<_> = law.spans().into_iter().filter(|s| s.country == "SE").collect();
    let jan26 = spans.iter().find(|s| s.from == d("2026-01-01")).unwrap();
    assert_eq!((jan26.ppm, jan26.from_config), (22_500, true));
    let mar27 = spans.iter().find(|s| s.from == d("2027-03-01")).unwrap();
    assert_eq!(mar27.to, d("2027-06-30"));
    assert_eq!(default_until("TR", d("2027-01-01")), d("2027-12-31"));
    let twice = Law::new(
        vec![rate("SE", "2027-03-01", "3"), rate("SE", "2027-03-01", "4")],
        Vec::new(),
        BTreeMap::new(),
    );
    assert!(twice.unwrap_err().contains("twice"));
}

#[test]
fn bulgaria_uses_the_ecb_rate_from_the_day_it_joined_the_euro() {
    let law = law_with(vec![rate("BG", "2025-07-01", "2")], &[]);
    let c = law
        .claim(
            Some("BG"),
            false,
            &debt("EUR", 1_000_000, "2025-12-30", &[]),
            d("2026-01-02"),
        )
        .unwrap();
    assert_eq!(c.periods.len(), 2);
    assert_eq!(c.periods[0].reference_ppm, 20_000);
    assert_eq!(c.periods[1].reference_ppm, 21_500);
}

#[test]
fn percentages_parse_exactly() {
    assert_eq!(parse_percent("2.5"), Ok(25_000));
    assert_eq!(parse_percent("10.15"), Ok(101_500));
    assert_eq!(parse_percent("0"), Ok(0));
    assert!(parse_percent("-1").is_err());
    assert!(parse_percent("2,5").is_err());
    assert!(parse_percent("1.23456").is_err());
    assert_eq!(percent_text(101_500, ','), "10,15");
    assert_eq!(percent_text(80_000, '.'), "8");
}

#[test]
fn csv_fields_with_quotes() {
    assert_eq!(
        parse_csv_line(r#"SE,"a, ""b""",x"#).unwrap(),
        vec!["SE".to_string(), "a, \"b\"".into(), "x".into()]
    );
    assert!(parse_csv_line(r#"SE,"open"#).is_err());
}

#[test]
fn every_rule_set_has_its_names_in_every_language() {
    let n = names();
    for lang in crate::domain::text::LANGUAGES {
        for set in rule_sets() {
            let letter = if set.key == "EU-other" {
                "EU"
            } else {
                set.key.as_str()
            };
            let l = n.letter.get(letter).and_then(|m| m.get(*lang));
            assert!(l.is_some_and(|l| !l.title.is_empty()), "letter.{letter}.{lang}");
            if set.has_charges() {
                let c = n.charges.get(&set.key).and_then(|m| m.get(*lang));
                assert!(
                    c.is_some_and(|c| !c.interest.is_empty() && !c.interest_basis.is_empty()),
                    "charges.{}.{lang}",
                    set.key
                );
                if set.fixed.is_some() {
                    assert!(!c.unwrap().fee.is_empty(), "charges.{}.{lang} fee", set.key);
                }
            }
        }
        assert!(n.charges["contract"].contains_key(*lang));
    }
}

#[test]
fn a_rate_for_one_currency_gives_a_debt_in_another_no_interest_and_says_why() {
    let law = law_with(
        Vec::new(),
        &[("RON", "5"), ("TRY", "40"), ("RUB", "100"), ("SEK", "11")],
    );
    for (country, own, other) in [("RU", "RUB", "EUR"), ("TR", "TRY", "EUR"), ("RO", "RON", "EUR")] {
        let debt_own = debt(own, 1_000_000, "2025-06-01", &[]);
        let c = law
            .claim(Some(country), false, &debt_own, d("2025-06-30"))
            .unwrap();
        assert!(
            c.interest > 0 && c.interest_withheld.is_none(),
            "{country} {own}: {c:?}"
        );
        let debt_other = debt(other, 1_000_000, "2025-06-01", &[]);
        let c = law
            .claim(Some(country), false, &debt_other, d("2025-06-30"))
            .unwrap();
        assert_eq!((c.interest, c.periods.len()), (0, 0), "{country} {other}");
        let why = c.interest_withheld.unwrap();
        assert!(why.contains("no statutory interest on a EUR debt"), "{why}");
    }
    // Where the law sets no currency, a debt in any currency earns interest.
    let c = law
        .claim(
            Some("SE"),
            false,
            &debt("EUR", 1_000_000, "2025-06-01", &[]),
            d("2025-06-30"),
        )
        .unwrap();
    assert!(c.interest > 0 && c.interest_withheld.is_none());
}

#[test]
fn interest_past_i64_is_an_error_never_a_saturated_figure() {
    // 10^15 minor units at 200 % for about 9,000 years passes i64.
    let debt = Debt {
        currency: cur("EUR"),
        amount: 1_000_000_000_000_000,
        due: d("1000-01-01"),
        payments: &[],
    };
    let periods = [(d("1000-01-02"), d("9999-12-31"), 2_000_000)];
    let e = interest(&periods, &debt).unwrap_err();
    assert!(e.contains("too large"), "{e}");
    // A tenth of the time fits, exactly.
    let periods = [(d("1000-01-02"), d("1899-12-31"), 2_000_000)];
    let (total, shares) = interest(&periods, &debt).unwrap();
    let days = i128::from(days_between(d("1000-01-02"), d("1899-12-31")) + 1);
    let exact = (1_000_000_000_000_000i128 * days * 2_000_000 + 182_500_000) / 365_000_000;
    assert_eq!(i128::from(total), exact);
    assert_eq!(shares, vec![total]);
    // A balance after payments past i64 is exact (0), not saturated.
    let huge = [(d("1000-01-01"), i64::MAX), (d("1000-01-01"), i64::MAX)];
    let paid = Debt {
        payments: &huge,
        ..debt
    };
    assert_eq!(paid.balance_on(d("1000-01-02")), 0);
}
