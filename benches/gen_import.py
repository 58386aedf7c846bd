#!/usr/bin/env python3
"""Writes a CSV file shaped like a Swedish invoicing tool's export, for
benches/import.sh: a UTF-8 byte-order mark, semicolons, CRLF, Swedish
headers, decimal commas with spaces between thousands, DD.MM.YYYY dates.

    benches/gen_import.py ROWS OUT.csv [--seed S] [--today YYYY-MM-DD]

About ROWS/8 clients with 1-15 invoices each, names and e-mail addresses
repeated on every row of a client (as exports do); 40 % of the invoices
paid in part or in full; due dates spread over the 400 days before today.
"""
import argparse
import datetime
import random

p = argparse.ArgumentParser()
p.add_argument("rows", type=int)
p.add_argument("out")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--today", default="2027-03-01")
a = p.parse_args()
rng = random.Random(a.seed)
today = datetime.date.fromisoformat(a.today)

WORDS = ["Lindqvist", "Fåglar", "Bergström", "Ek", "Sjö", "Norr", "Söder", "Björk", "Gran", "Äng",
         "Hav", "Fjäll", "Dal", "Strand", "Sten", "Ljus", "Vind", "Moln", "Is", "Eld"]
KINDS = ["Arkitekter AB", "Bygg AB", "Konsult HB", "Design AB", "Media AB", "& Söner AB", "Data AB"]


def money(minor):
    whole, frac = divmod(minor, 100)
    s = f"{whole:,}".replace(",", " ")
    return f"{s},{frac:02d}"


def date(d):
    return d.strftime("%d.%m.%Y")


with open(a.out, "w", encoding="utf-8", newline="") as f:
    f.write("\ufeff")
    f.write("Fakturanummer;Kund;E-post;Telefon;Fakturadatum;Förfallodatum;Belopp;Valuta;Betalt;Avser\r\n")
    n = 0
    c = 0
    while n < a.rows:
        c += 1
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {c}"
        email = f"ekonomi{c}@kund{c}.example"
        phone = f"+46 8 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        for _ in range(min(rng.randint(1, 15), a.rows - n)):
            n += 1
            due = today - datetime.timedelta(days=rng.randint(-30, 400))
            issued = due - datetime.timedelta(days=30)
            amount = rng.randint(500, 5_000_000) * 10
            r = rng.random()
            paid = "" if r < 0.6 else money(amount if r < 0.9 else amount // 2)
            f.write(f"{2020000000 + n};{name};{email};{phone};{date(issued)};{date(due)};"
                    f"{money(amount)};SEK;{paid};Uppdrag {n}\r\n")
