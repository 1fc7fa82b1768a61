#!/usr/bin/env python3
"""Writes the workbook fixtures of the CLI tests (tests/fixtures/) from the
sample roster, as an office's spreadsheet holds it: numbers as numbers
(populations, counts, quantities, 0.5 days, SIRETs typed without spaces,
postcodes), dates of joining as date cells, the rest as text.

Not run by CI: the fixtures are committed. To rebuild them:
    pip install openpyxl xlwt odfpy
    scripts/make-roster-fixtures.py
"""
import csv
import datetime
import pathlib

import openpyxl
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableRow, TableCell
from odf.text import P

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures"
TEXT = {"id", "nom", "type", "affiliee", "adresse", "ville", "email", "code_service", "engagement"}


def typed(header, value):
    """The value as a spreadsheet cell would hold it."""
    if value == "":
        return None
    if header in TEXT:
        return value
    if header == "date_adhesion":
        day, month, year = (int(x) for x in value.split("/")) if "/" in value else reversed([int(x) for x in value.split("-")])
        return datetime.date(year, month, day)
    if header == "siret":
        return value if " " in value else int(value)
    number = value.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return float(number) if "." in number else int(number)


def rows():
    with open(ROOT / "input-samples" / "roster.csv", encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f, delimiter=";"))
    header = table[0]
    return header, [[typed(h, v) for h, v in zip(header, row)] for row in table[1:]]


def xlsx(path, header, body, errors=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rôle 2027"
    ws.append(header)
    for row in body:
        ws.append(row)
    if errors:
        ws.cell(row=3, column=header.index("population") + 1, value="#DIV/0!")
        ws.cell(row=4, column=header.index("type") + 1, value="syndicat")
    notes = wb.create_sheet("Notes")
    notes.append(["Feuille de travail, pas un rôle"])
    wb.save(path)


def xls(path, header, body):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Rôle 2027")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for j, h in enumerate(header):
        ws.write(0, j, h)
    for i, row in enumerate(body, start=1):
        for j, v in enumerate(row):
            if isinstance(v, datetime.date):
                ws.write(i, j, v, date_style)
            elif v is not None:
                ws.write(i, j, v)
    wb.save(str(path))


def ods(path, header, body):
    doc = OpenDocumentSpreadsheet()
    # A first sheet that is not the roster: the test names the right one.
    first = Table(name="Sommaire")
    tr = TableRow()
    cell = TableCell(valuetype="string")
    cell.addElement(P(text="Rôle de l'exercice 2027 : feuille « Rôle »"))
    tr.addElement(cell)
    first.addElement(tr)
    doc.spreadsheet.addElement(first)
    table = Table(name="Rôle")
    for row in [header] + body:
        tr = TableRow()
        for v in row:
            if v is None:
                cell = TableCell()
            elif isinstance(v, datetime.date):
                cell = TableCell(valuetype="date", datevalue=v.isoformat())
                cell.addElement(P(text=v.strftime("%d/%m/%Y")))
            elif isinstance(v, (int, float)):
                cell = TableCell(valuetype="float", value=v)
                cell.addElement(P(text=str(v)))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=v))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    header, body = rows()
    xlsx(OUT / "role.xlsx", header, body)
    xlsx(OUT / "role-erreurs.xlsx", header, body, errors=True)
    xls(OUT / "role.xls", header, body)
    ods(OUT / "role.ods", header, body)


if __name__ == "__main__":
    main()
