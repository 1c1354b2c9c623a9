"""Exports of the reports: xlsx (XlsxWriter) and CSV, with the headers in the active
language (Chinese by default) and amounts as numbers with two decimals. A report is
turned into tables once (``tables_*``) and written by either format."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list]
    # column kinds: "text", "int", "money" (two decimals), "ratio" (a percentage), "row"
    # (the row's kind, from ``row_kinds``)
    kinds: list[str]
    row_kinds: list[str] = field(default_factory=list)


def tables_daily(report: dict) -> list[Table]:
    """营业日报: one table of figures (a column per store, then the total), then revenue
    lines, room types and collections of every store and the total."""
    entries = [*report["stores"], report["total"]] if len(report["stores"]) > 1 else report["stores"]
    names = [e["store_name"] for e in entries]
    lines = [
        (pgettext("report", "Rooms"), "rooms_total", "int"), (_("Out of order"), "rooms_out_of_order", "int"),
        (_("Rooms available"), "rooms_available", "int"), (_("Rooms sold"), "rooms_sold", "int"),
        (_("Occupancy"), "occupancy", "ratio"), (_("ADR"), "adr", "money"), (_("RevPAR"), "revpar", "money"),
        (_("Room revenue"), ("revenue", "rooms"), "money"), (_("Extras"), ("revenue", "extras_total"), "money"),
        (_("Fees and manual charges"), ("revenue", "fees_and_manual"), "money"),
        (_("Total revenue"), ("revenue", "total"), "money"),
        (_("Collected (net)"), ("collections", "total", "net"), "money"), (_("Deposits held"), "deposits_held", "money"),
        (_("Owed by guests in the house"), "balance_in_house", "money"),
        (_("Owed by departed guests"), "balance_departed", "money"),
        (_("Arrivals"), "arrivals", "int"), (_("Departures"), "departures", "int"), (_("No-shows"), "no_shows", "int"),
        (_("Cancellations"), "cancellations", "int"), (_("Walk-ins"), "walk_ins", "int"),
    ]

    def get(e, path):
        for k in (path if isinstance(path, tuple) else (path,)):
            e = e[k]
        return e

    figures = Table(title=_("Daily report"), headers=[_("Figure"), *names],
                    rows=[[label, *(get(e, path) for e in entries)] for label, path, _k in lines],
                    kinds=["text", *(["row"] * len(entries))], row_kinds=[k for _l, _p, k in lines])
    amount = pgettext("report", "Amount")
    revenue = Table(title=_("Revenue"), headers=[_("Store"), _("Category"), amount], rows=[],
                    kinds=["text", "text", "money"])
    types = Table(title=_("Room types"), headers=[_("Store"), _("Room type"), _("Nights"), amount, _("ADR")], rows=[],
                  kinds=["text", "text", "int", "money", "money"])
    money = Table(title=_("Collections"), headers=[_("Store"), _("Payment method"), _("Payments"), _("Refunds"),
                                                  _("Deposits"), _("Deposits returned"), _("Net")], rows=[],
                  kinds=["text", "text", "money", "money", "money", "money", "money"])
    for e in entries:
        revenue.rows.append([e["store_name"], pgettext("report", "Rooms"), e["revenue"]["rooms"]])
        for x in e["revenue"]["extras"]:
            revenue.rows.append([e["store_name"], x["label"], x["amount"]])
        revenue.rows.append([e["store_name"], _("Fees and manual charges"), e["revenue"]["fees_and_manual"]])
        for t in e["room_types"]:
            types.rows.append([e["store_name"], t["name"], t["nights"], t["amount"], t["adr"]])
        for m in e["collections"]["by_method"]:
            money.rows.append([e["store_name"], m["name"], m["payments"], m["refunds"], m["deposits"], m["deposit_returns"],
                               m["net"]])
    return [figures, revenue, types, money]


RANGE_COLUMNS = [("rooms_available", "int"), ("rooms_sold", "int"), ("occupancy", "ratio"), ("adr", "money"),
                 ("revpar", "money"), ("room_revenue", "money"), ("total_revenue", "money")]


def _range_headers() -> list[str]:
    return [_("Rooms available"), _("Rooms sold"), _("Occupancy"), _("ADR"), _("RevPAR"), _("Room revenue"),
            _("Total revenue")]


def tables_range(report: dict) -> list[Table]:
    kinds = ["text", "text", *(k for _c, k in RANGE_COLUMNS)]
    trend = Table(title=_("Trend"), headers=[_("From"), _("To"), *_range_headers()], kinds=kinds, rows=[
        [b["start"].isoformat(), b["end"].isoformat(), *(b[c] for c, _k in RANGE_COLUMNS)] for b in report["buckets"]])
    compare = Table(title=_("Comparison"), headers=[_("Period"), _("Dates"), *_range_headers()], kinds=kinds, rows=[])
    for label, p in ((_("This period"), {**report["total"], "start": report["start"], "end": report["end"]}),
                     (_("Previous period"), report["previous"]), (_("Same period last year"), report["last_year"])):
        compare.rows.append([label, f"{p['start'].isoformat()} - {p['end'].isoformat()}",
                             *(p[c] for c, _k in RANGE_COLUMNS)])
    stores = Table(title=_("Stores"), headers=[_("Store"), "", *_range_headers()], kinds=kinds, rows=[
        [s["store_name"], "", *(s[c] for c, _k in RANGE_COLUMNS)] for s in report["by_store"]])
    return [trend, compare, stores]


def tables_channels(report: dict) -> list[Table]:
    headers = [_("Channel"), _("Room nights"), _("Share of nights"), _("Room revenue"), _("ADR"), _("Orders"),
               _("Cancelled"), _("Cancellation rate"), _("Average lead time (days)")]
    kinds = ["text", "int", "ratio", "money", "money", "int", "int", "ratio", "money"]
    rows = [[c["name"], c["nights"], c["share_of_nights"], c["revenue"], c["adr"], c["orders"], c["cancelled"],
             c["cancellation_rate"], c["avg_lead_days"]] for c in [*report["channels"], report["total"]]]
    return [Table(title=_("Channel mix"), headers=headers, rows=rows, kinds=kinds)]


def tables_consumption(report: dict) -> list[Table]:
    amount = pgettext("report", "Amount")
    kinds = ["text", "text", "int", "money", "ratio"]
    items = Table(title=_("Consumption by item"), headers=[_("Item"), _("Category"), _("Quantity"), amount, _("Share")],
                  kinds=kinds, rows=[[i["name"], i["label"], i["quantity"], i["amount"], i["share"]] for i in report["items"]])
    categories = Table(title=_("Consumption by category"), headers=[_("Category"), "", _("Quantity"), amount, _("Share")],
                       kinds=kinds, rows=[[c["label"], "", c["quantity"], c["amount"], c["share"]]
                                          for c in report["categories"]])
    categories.rows.append([pgettext("report", "Total"), "", report["total"]["quantity"], report["total"]["amount"], None])
    return [items, categories]


def xlsx_bytes(tables: list[Table]) -> bytes:
    """One sheet per table; money as numbers formatted ``0.00``, ratios as ``0.00%``."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    formats = {"money": book.add_format({"num_format": "0.00"}), "ratio": book.add_format({"num_format": "0.00%"}),
               "int": book.add_format({"num_format": "0"})}
    for table in tables:
        sheet = book.add_worksheet(table.title[:31])
        sheet.set_column(0, 1, 20)
        sheet.set_column(2, max(len(table.headers) - 1, 2), 14)
        for col, header in enumerate(table.headers):
            sheet.write_string(0, col, header, head)
        for r, row in enumerate(table.rows, start=1):
            for col, value in enumerate(row):
                kind = table.row_kinds[r - 1] if table.kinds[col] == "row" else table.kinds[col]
                if value is None:
                    sheet.write_blank(r, col, None)
                elif isinstance(value, str):
                    sheet.write_string(r, col, value)
                else:
                    sheet.write_number(r, col, float(value), formats.get(kind))
    book.close()
    return out.getvalue()


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value)  # money has two places, ratios four: as the API renders them
    return str(value)


def csv_text(tables: list[Table]) -> str:
    """The tables one after another (a blank line and the title between them), with a BOM
    so that Excel reads it as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for i, table in enumerate(tables):
        if i:
            writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow([_csv_value(v) for v in row])
    return out.getvalue()
