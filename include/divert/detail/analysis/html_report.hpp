#pragma once
// The HTML report of a diff (divert diff --html OUT): one self-contained file, no network, inline
// CSS and SVG. It shows the two policies, the decision for a reference case as age varies and as
// the drug varies under each scheme, every region where the decisions differ with its witness,
// and, with a caseload, how the cases fall (A's status against B's, cases per region).

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/diff.hpp"

namespace divert::detail::analysis {

namespace html {

inline std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

inline std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

inline const char* color(divert::status s) {
  switch (s) {
    case divert::status::eligible: return "#2e7d32";
    case divert::status::not_eligible: return "#b0b4ba";
    case divert::status::excluded: return "#ef6c00";
    case divert::status::undetermined: return "#7e57c2";
  }
  return "#b0b4ba";
}

inline const char* status_word(divert::status s) {
  switch (s) {
    case divert::status::eligible: return "eligible";
    case divert::status::not_eligible: return "not eligible";
    case divert::status::excluded: return "excluded";
    case divert::status::undetermined: return "undetermined";
  }
  return "undetermined";
}

inline std::string rect(double x, double y, double w, double h, const std::string& fill, const std::string& title,
                        const std::string& extra = "") {
  std::string out = "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
                    "\" fill=\"" + fill + "\"" + extra + ">";
  if (!title.empty()) out += "<title>" + esc(title) + "</title>";
  return out + "</rect>";
}

inline std::string text(double x, double y, const std::string& s, const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + extra + ">" + esc(s) + "</text>";
}

// What a decision says in a chart's tooltip and cell.
inline std::string decision_text(const diff_decision& d) {
  switch (d.status) {
    case divert::status::eligible: return "eligible: " + d.pathway + " (" + d.disposal + ")";
    default: return status_word(d.status);
  }
}

}  // namespace html

// The decisions of both policies for one case; a case that does not bind gives nothing.
struct decided_pair {
  bool ok = false;
  diff_decision a, b;
};

inline decided_pair decide_both(const diff_result& r, const nlohmann::ordered_json& c) {
  decided_pair out;
  try {
    facts f = r.a.bind(c);
    out.a = diff_result::decide(r.a, f, r.skip_a);
    out.b = diff_result::decide(r.b, f, r.skip_b);
    out.ok = true;
  } catch (const divert::error&) {
  }
  return out;
}

// The reference case the charts vary: the witness of a region where both policies divert, or
// failing that where A does, or the first region's.
inline nlohmann::ordered_json reference_case(const diff_result& r) {
  // Among those, the region with the fewest constraints: the most ordinary case.
  const diff_region* best = nullptr;
  std::pair<int, std::size_t> best_rank{4, 0};
  for (const auto* list : {&r.agreeing, &r.differing})
    for (const auto& reg : *list) {
      int rank = reg.a.status == divert::status::eligible && reg.b.status == divert::status::eligible   ? 0
                 : reg.a.status == divert::status::eligible || reg.b.status == divert::status::eligible ? 1
                                                                                                        : 2;
      std::pair<int, std::size_t> key{rank, reg.phrases.size()};
      if (!best || key < best_rank) {
        best_rank = key;
        best = &reg;
      }
    }
  return best ? best->witness : nlohmann::ordered_json::object();
}

inline const char* differ_status = "#c62828";
inline const char* differ_disposal = "#f2a7a7";

inline std::string legend_svg() {
  std::string out = "<svg class=\"legend\" width=\"900\" height=\"24\" role=\"img\" aria-label=\"legend\">";
  double x = 0;
  auto item = [&](const char* fill, const std::string& label) {
    out += html::rect(x, 5, 14, 14, fill, "", " rx=\"3\"");
    out += html::text(x + 20, 17, label, " class=\"lg\"");
    x += 20 + 7.2 * static_cast<double>(label.size()) + 22;
  };
  for (auto s :
       {divert::status::eligible, divert::status::not_eligible, divert::status::excluded, divert::status::undetermined})
    item(html::color(s), html::status_word(s));
  item(differ_status, "the status differs");
  item(differ_disposal, "same status, another disposal");
  return out + "</svg>";
}

// The mark for a pair of decisions that differ: by status, or only by disposal; "" when alike.
inline const char* differ_color(const diff_result& r, const diff_decision& a, const diff_decision& b) {
  if (a.same_as(b, r.options.status_only)) return "";
  return a.status != b.status ? differ_status : differ_disposal;
}

// Decision by age, 0 to 100, for the reference case under each scheme.
inline std::string age_chart(const diff_result& r, const nlohmann::ordered_json& ref) {
  const double left = 150, cell = 8.4, row = 30;
  const int max_age = 100;
  std::vector<decided_pair> ds;
  for (int age = 0; age <= max_age; ++age) {
    nlohmann::ordered_json c = ref;
    c["person"]["age"] = age;
    ds.push_back(decide_both(r, c));
  }
  double width = left + cell * (max_age + 1) + 10, height = 3 * row + 40;
  std::string out = "<svg class=\"chart\" id=\"chart-age\" viewBox=\"0 0 " + html::num(width) + " " +
                    html::num(height) + "\" width=\"" + html::num(width) + "\" height=\"" + html::num(height) +
                    "\" role=\"img\" aria-label=\"decision by age\">";
  const char* labels[] = {"A", "B", "differ"};
  for (int k = 0; k < 3; ++k) {
    std::string label = k == 0 ? "A " + r.a.id() : k == 1 ? "B " + r.b.id() : "differ";
    if (label.size() > 20) {
      std::size_t cut = 19;
      while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;
      label = label.substr(0, cut) + "…";
    }
    out += html::text(0, k * row + 20, label, " class=\"rowlabel\"");
    (void)labels;
  }
  for (int age = 0; age <= max_age; ++age) {
    const decided_pair& d = ds[static_cast<std::size_t>(age)];
    if (!d.ok) continue;
    double x = left + cell * age;
    std::string who = "age " + std::to_string(age) + ": ";
    out += html::rect(x, 4, cell - 1, row - 8, html::color(d.a.status), who + "A " + html::decision_text(d.a));
    out += html::rect(x, row + 4, cell - 1, row - 8, html::color(d.b.status), who + "B " + html::decision_text(d.b));
    if (const char* mark = differ_color(r, d.a, d.b); *mark)
      out += html::rect(x, 2 * row + 8, cell - 1, row - 16, mark,
                        who + (d.a.status != d.b.status ? "the status differs" : "same status, another disposal"));
  }
  for (int age = 0; age <= max_age; age += 10) {
    double x = left + cell * age + cell / 2;
    out += "<line x1=\"" + html::num(x) + "\" y1=\"" + html::num(3 * row) + "\" x2=\"" + html::num(x) + "\" y2=\"" +
           html::num(3 * row + 6) + "\" stroke=\"#555\"/>";
    out += html::text(x, 3 * row + 20, std::to_string(age), " class=\"tick\" text-anchor=\"middle\"");
  }
  out += html::text(left + cell * (max_age + 1) / 2, 3 * row + 36, "age (person.age)",
                    " class=\"axis\" text-anchor=\"middle\"");
  return out + "</svg>";
}

// Decision by drug (one substance of each kind), for the reference case under each scheme.
inline std::string drug_chart(const diff_result& r, const nlohmann::ordered_json& ref,
                              const std::vector<std::string>& drugs) {
  const double left = 200, col = 370, row = 26, top = 28;
  double width = left + 2 * col + 24, height = top + row * static_cast<double>(drugs.size()) + 10;
  std::string out = "<svg class=\"chart\" id=\"chart-drug\" viewBox=\"0 0 " + html::num(width) + " " +
                    html::num(height) + "\" width=\"" + html::num(width) + "\" height=\"" + html::num(height) +
                    "\" role=\"img\" aria-label=\"decision by drug\">";
  out += html::text(left + col / 2, 18, "A " + r.a.id(), " class=\"colhead\" text-anchor=\"middle\"");
  out += html::text(left + col + col / 2, 18, "B " + r.b.id(), " class=\"colhead\" text-anchor=\"middle\"");
  for (std::size_t i = 0; i < drugs.size(); ++i) {
    nlohmann::ordered_json c = ref;
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    if (c.contains("substances") && c["substances"].is_array() && !c["substances"].empty() &&
        c["substances"][0].is_object())
      item = c["substances"][0];
    item["drug"] = drugs[i];
    c["substances"] = nlohmann::ordered_json::array({item});
    decided_pair d = decide_both(r, c);
    double y = top + row * static_cast<double>(i);
    bool differs = d.ok && d.a.status != d.b.status;
    out += html::text(left - 12, y + 17, drugs[i],
                      std::string(" class=\"rowlabel") + (differs ? " differs" : "") + "\" text-anchor=\"end\"");
    if (!d.ok) continue;
    for (int k = 0; k < 2; ++k) {
      const diff_decision& dd = k == 0 ? d.a : d.b;
      double x = left + col * k;
      out += html::rect(x + 2, y + 2, col - 8, row - 4, html::color(dd.status),
                        drugs[i] + ": " + html::decision_text(dd), " rx=\"4\"");
      out += html::text(x + 12, y + 17, html::decision_text(dd), " class=\"cell\"");
    }
    if (const char* mark = differ_color(r, d.a, d.b); *mark)
      out += html::rect(
          left + 2 * col + 2, y + 5, 14, row - 10, mark,
          drugs[i] + ": " + (d.a.status != d.b.status ? "the status differs" : "same status, another disposal"),
          " rx=\"3\"");
  }
  return out + "</svg>";
}

// Cases per differing region, as horizontal bars.
inline std::string region_bars(const diff_result& r, const diff_tally& t) {
  std::size_t top = std::max<std::size_t>(1, *std::max_element(t.per_region.begin(), t.per_region.end()));
  const double left = 60, width = 460, bar = 18;
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < r.differing.size(); ++i)
    if (t.per_region[i]) order.push_back(i);
  std::sort(order.begin(), order.end(),
            [&](std::size_t x, std::size_t y) { return t.per_region[x] > t.per_region[y]; });
  if (order.size() > 20) order.resize(20);
  double height = 10 + (bar + 6) * static_cast<double>(order.size());
  double total = left + width + 500;
  std::string out = "<svg class=\"chart\" id=\"chart-cases\" viewBox=\"0 0 " + html::num(total) + " " +
                    html::num(height) + "\" width=\"" + html::num(total) + "\" height=\"" + html::num(height) +
                    "\" role=\"img\" aria-label=\"cases per region\">";
  for (std::size_t k = 0; k < order.size(); ++k) {
    std::size_t i = order[k];
    double y = 5 + (bar + 6) * static_cast<double>(k);
    double w = width * static_cast<double>(t.per_region[i]) / static_cast<double>(top);
    out += html::text(left - 8, y + 14, "#" + std::to_string(i + 1), " class=\"rowlabel\" text-anchor=\"end\"");
    out += html::rect(left, y, std::max(w, 1.0), bar, "#c62828", r.differing[i].text(), " rx=\"3\"");
    const diff_region& reg = r.differing[i];
    out += html::text(left + std::max(w, 1.0) + 6, y + 14, std::to_string(t.per_region[i]), " class=\"cell dark\"");
    std::string what = "A " + reg.a.to_text() + " · B " + reg.b.to_text();
    if (what.size() > 70) {
      std::size_t cut = 69;
      while (cut > 0 && (static_cast<unsigned char>(what[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
      what = what.substr(0, cut) + "…";
    }
    out += html::text(left + width + 50, y + 14, what, " class=\"tick\"");
  }
  return out + "</svg>";
}

// The differences by kind: for each pair (A's status, B's status), how many regions, and with a
// caseload how many cases.
inline std::string kinds_chart(const diff_result& r, const diff_tally* t) {
  struct kind_row {
    divert::status a, b;
    std::size_t regions = 0, cases = 0;
  };
  std::vector<kind_row> rows;
  for (std::size_t i = 0; i < r.differing.size(); ++i) {
    const diff_region& reg = r.differing[i];
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const kind_row& k) { return k.a == reg.a.status && k.b == reg.b.status; });
    if (it == rows.end()) {
      rows.push_back(kind_row{reg.a.status, reg.b.status, 0, 0});
      it = rows.end() - 1;
    }
    ++it->regions;
    if (t && i < t->per_region.size()) it->cases += t->per_region[i];
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const kind_row& x, const kind_row& y) { return t ? x.cases > y.cases : x.regions > y.regions; });
  std::size_t top_regions = 1, top_cases = 1;
  for (const auto& k : rows) {
    top_regions = std::max(top_regions, k.regions);
    top_cases = std::max(top_cases, k.cases);
  }
  const double left = 330, bar = 20, gap = 10, width = t ? 270 : 540;
  double height = 30 + (bar + gap) * static_cast<double>(rows.size());
  double total_width = left + (t ? 2 * width + 130 : width + 80);
  std::string out = "<svg class=\"chart\" id=\"chart-kinds\" viewBox=\"0 0 " + html::num(total_width) + " " +
                    html::num(height) + "\" width=\"" + html::num(total_width) + "\" height=\"" + html::num(height) +
                    "\" role=\"img\" aria-label=\"differences by kind\">";
  out += html::text(left, 14, "regions", " class=\"colhead\"");
  if (t) out += html::text(left + width + 40, 14, "cases in the caseload", " class=\"colhead\"");
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const kind_row& row = rows[k];
    double y = 24 + (bar + gap) * static_cast<double>(k);
    double x = 0;
    out += html::rect(x, y + 3, 14, 14, html::color(row.a), "", " rx=\"3\"");
    std::string la = std::string("A ") + html::status_word(row.a);
    out += html::text(x + 20, y + 15, la, " class=\"lg\"");
    x = 150;
    out += html::text(x - 18, y + 15, "→", " class=\"lg\"");
    out += html::rect(x, y + 3, 14, 14, html::color(row.b), "", " rx=\"3\"");
    out += html::text(x + 20, y + 15, std::string("B ") + html::status_word(row.b), " class=\"lg\"");
    const char* fill = row.a == row.b ? differ_disposal : differ_status;
    double w = width * static_cast<double>(row.regions) / static_cast<double>(top_regions);
    out += html::rect(left, y, std::max(w, 2.0), bar, fill, std::to_string(row.regions) + " regions", " rx=\"3\"");
    out += html::text(left + std::max(w, 2.0) + 6, y + 15, std::to_string(row.regions), " class=\"cell dark\"");
    if (t) {
      double cw = width * static_cast<double>(row.cases) / static_cast<double>(top_cases);
      out += html::rect(left + width + 40, y, std::max(cw, 2.0), bar, fill, std::to_string(row.cases) + " cases",
                        " rx=\"3\"");
      out += html::text(left + width + 40 + std::max(cw, 2.0) + 6, y + 15, std::to_string(row.cases),
                        " class=\"cell dark\"");
    }
  }
  return out + "</svg>";
}

inline std::string html_report(const diff_result& r, const diff_tally* t) {
  using html::esc;
  nlohmann::ordered_json ref = reference_case(r);
  std::string out;
  out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + esc("divert diff: " + r.a.id() + " against " + r.b.id()) + "</title>\n";
  out += R"css(<style>
:root { --ink:#1d2733; --muted:#5f6b7a; --line:#dde3ea; --bg:#f5f7fa; --red:#c62828; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color:var(--ink); background:var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 28px 28px 60px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p.sub { color: var(--muted); margin: 0 0 18px; }
.policies { display:grid; grid-template-columns: 1fr 1fr; gap: 14px; margin-bottom: 16px; }
.policy { background:#fff; border:1px solid var(--line); border-radius:10px; padding:12px 16px; }
.policy .tag { display:inline-block; font-weight:700; background:var(--ink); color:#fff; border-radius:6px; padding:0 8px; margin-right:8px; }
.policy .title { font-weight:600; }
.policy .meta { color:var(--muted); font-size:13px; margin-top:4px; }
.cards { display:flex; gap:14px; flex-wrap:wrap; margin: 6px 0 22px; }
.card { flex:1 1 0; background:#fff; border:1px solid var(--line); border-radius:10px; padding:12px 16px; min-width:120px; }
.card .n { font-size: 28px; font-weight: 700; }
.card .n.red { color: var(--red); }
.card .l { color: var(--muted); font-size: 13px; }
section { background:#fff; border:1px solid var(--line); border-radius:12px; padding:18px 20px; margin: 0 0 20px; }
section h2 { font-size: 18px; margin: 0 0 4px; }
section p.note { color: var(--muted); margin: 0 0 12px; font-size: 13.5px; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
svg .rowlabel { font-size: 13px; fill: #1d2733; font-weight: 600; }
svg .rowlabel.differs { fill: #c62828; }
svg .colhead { font-size: 13px; font-weight: 700; fill: #1d2733; }
svg .tick { font-size: 11px; fill: #5f6b7a; }
svg .axis { font-size: 12px; fill: #5f6b7a; }
svg .cell { font-size: 12.5px; fill: #fff; }
svg .cell.dark { fill: #1d2733; }
svg .lg { font-size: 12.5px; fill: #1d2733; }
.chart { max-width: 100%; height: auto; display:block; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background:#fafbfc; }
td.n { font-variant-numeric: tabular-nums; text-align: right; color: var(--muted); }
ul.cond { margin:0; padding:0; list-style:none; }
ul.cond li { display:inline-block; background:#eef2f7; border-radius:5px; padding:1px 7px; margin:0 4px 4px 0; font-size:12.5px; }
.dec { display:inline-block; border-radius: 6px; padding: 1px 8px; color:#fff; font-weight:600; font-size: 12.5px; white-space: nowrap; }
.why { color: var(--muted); font-size: 12.5px; margin-top: 3px; }
details summary { cursor: pointer; color: #1f5fa8; font-size: 12.5px; }
pre { background:#f3f5f8; border-radius:6px; padding:8px 10px; font-size:12px; overflow:auto; max-width: 360px; }
table.status td, table.status th { text-align:center; }
table.status td.hot { color:#fff; font-weight:700; }
footer { color: var(--muted); font-size: 12.5px; margin-top: 10px; }
.notes li { color: var(--muted); }
</style></head><body><main>
)css";
  out += "<header><h1>Who would be treated differently?</h1>";
  out += "<p class=\"sub\">" +
         esc("An exhaustive comparison of two diversion schemes by divert: every class of case, decided under both, "
             "compared on " +
             r.compared_on() + ".") +
         "</p></header>\n";
  out += "<div class=\"policies\">";
  for (int k = 0; k < 2; ++k) {
    const policy& p = k == 0 ? r.a : r.b;
    const rule_selection& s = k == 0 ? r.skip_a : r.skip_b;
    out += "<div class=\"policy\"><span class=\"tag\">" + std::string(k == 0 ? "A" : "B") +
           "</span><span class=\"title\">" + esc(p.title()) + "</span><div class=\"meta\">" +
           esc(p.id() + " " + p.version() + " · " + p.status() + " · " + p.file() + " · sha256 " +
               p.sha256().substr(0, 12));
    if (!s.empty()) out += esc(" · set aside: " + diff_result::list(s.ids()));
    out += "</div></div>";
  }
  out += "</div>\n";
  out += "<div class=\"cards\">";
  out += "<div class=\"card\"><div class=\"n red\" id=\"n-differing\">" + std::to_string(r.differing.size()) +
         "</div><div class=\"l\">regions where the decisions differ</div></div>";
  out += "<div class=\"card\"><div class=\"n\">" + std::to_string(r.agreeing.size()) +
         "</div><div class=\"l\">regions where they agree</div></div>";
  out += "<div class=\"card\"><div class=\"n\">" + std::to_string(r.leaves) +
         "</div><div class=\"l\">classes of cases explored" +
         std::string(r.exact() ? " (exhaustive)" : " (not exact)") + "</div></div>";
  if (t) {
    out += "<div class=\"card\"><div class=\"n\">" + std::to_string(t->cases) +
           "</div><div class=\"l\">cases replayed</div></div>";
    out += "<div class=\"card\"><div class=\"n red\">" + std::to_string(t->differing) +
           "</div><div class=\"l\">decided differently</div></div>";
  }
  out += "</div>\n";
  if (!r.options.with_jurisdiction)
    out += "<p class=\"note\" style=\"color:#5f6b7a;margin:-10px 0 18px\">" +
           esc("The implicit jurisdiction and effective rules are set aside: the question is who would be treated "
               "differently if B's rules "
               "applied instead of A's, wherever and whenever the case happened.") +
           "</p>\n";

  // Charts for a reference case.
  const auto& schema = *r.a.impl().schema;
  const schema_node* age = schema.find("person.age");
  const schema_node* subs = schema.find("substances");
  std::vector<std::string> drugs;
  if (subs && subs->type == fact_type::array && subs->items && subs->items->type == fact_type::object)
    if (const schema_node* drug = subs->items->property("drug"); drug && drug->type == fact_type::enumeration)
      drugs = drug->enum_values;
  out += "<section><h2>Decision by age and by drug</h2><p class=\"note\">" +
         esc("For a reference case (below), varying one fact at a time. Hover a cell for the decision. The reference "
             "case is the witness of a "
             "region where both schemes divert; charts of one case, not of a caseload.") +
         "</p>";
  out += legend_svg();
  if (age && age->is_numeric()) {
    out += "<h3 style=\"font-size:15px;margin:14px 0 6px\">By age</h3>" + age_chart(r, ref);
  }
  if (!drugs.empty()) {
    out += "<h3 style=\"font-size:15px;margin:18px 0 6px\">By drug</h3>" + drug_chart(r, ref, drugs);
  }
  out += "<details style=\"margin-top:10px\"><summary>the reference case</summary><pre>" + esc(ref.dump(2)) +
         "</pre></details>";
  out += "</section>\n";

  if (!r.differing.empty()) {
    out += "<section><h2>The differences by kind</h2><p class=\"note\">" +
           esc("Regions where the decisions differ, by A's status and B's" +
               std::string(t ? ", with the cases of the caseload in them" : "") +
               ". A region is a class of cases, not a count of people: a caseload says how many people each difference "
               "touches.") +
           "</p>" + kinds_chart(r, t) + "</section>\n";
  }

  // The regions.
  out += "<section><h2>Where the decisions differ</h2><p class=\"note\">" +
         esc("Each row is a region of the case space: the facts it constrains (anything not listed may take any "
             "value), each scheme's "
             "decision throughout it with the rules that decide it, and a witness case, decided again under both "
             "schemes.") +
         "</p>";
  out += "<table id=\"regions\"><thead><tr><th>#</th><th>region: the facts that define it</th><th>A " + esc(r.a.id()) +
         "</th><th>B " + esc(r.b.id()) + "</th>" + (t ? "<th>cases</th>" : "") +
         "<th>witness</th></tr></thead><tbody>\n";
  for (std::size_t i = 0; i < r.differing.size(); ++i) {
    const diff_region& reg = r.differing[i];
    out += "<tr class=\"region\"><td class=\"n\">" + std::to_string(i + 1) + "</td><td><ul class=\"cond\">";
    if (reg.phrases.empty()) out += "<li>every case</li>";
    for (const auto& ph : reg.phrases) out += "<li>" + esc(ph) + "</li>";
    out += "</ul></td>";
    for (const diff_decision* d : {&reg.a, &reg.b}) {
      out += "<td><span class=\"dec\" style=\"background:" + std::string(html::color(d->status)) + "\">" +
             html::status_word(d->status) + "</span>";
      std::string why = d->status == divert::status::eligible ? d->pathway + " (" + d->disposal + ")" : "";
      if (!d->reasons.empty()) {
        std::string rs;
        for (std::size_t k = 0; k < d->reasons.size(); ++k)
          rs += (k ? (d->alternatives ? " or " : ", ") : "") + d->reasons[k];
        why = rs;
      }
      if (!why.empty()) out += "<div class=\"why\">" + esc(why) + "</div>";
      out += "</td>";
    }
    if (t) out += "<td class=\"n\">" + std::to_string(i < t->per_region.size() ? t->per_region[i] : 0) + "</td>";
    out += "<td><details><summary>case</summary><pre>" + esc(reg.witness.dump(2)) + "</pre></details></td></tr>\n";
  }
  out += "</tbody></table></section>\n";

  if (t) {
    static const divert::status statuses[] = {divert::status::eligible, divert::status::not_eligible,
                                              divert::status::excluded, divert::status::undetermined};
    std::size_t top = 1;
    for (const auto& [ra, row] : t->table)
      for (const auto& [cb, n] : row) top = std::max(top, n);
    out += "<section><h2>The caseload</h2><p class=\"note\">" +
           esc(std::to_string(t->cases) + " cases decided under both schemes" +
               (t->invalid ? ", " + std::to_string(t->invalid) + " invalid" : std::string()) + "; " +
               std::to_string(t->differing) + " decided differently; " + std::to_string(t->unplaced) +
               " could not be placed in a region (a fact the regions are defined on is unknown, so a scheme may answer "
               "undetermined).") +
           "</p>";
    out += "<table class=\"status\" id=\"status-table\"><thead><tr><th>A \\ B</th>";
    for (auto s : statuses) out += "<th>" + std::string(html::status_word(s)) + "</th>";
    out += "</tr></thead><tbody>";
    for (auto ra : statuses) {
      out += "<tr><th>" + std::string(html::status_word(ra)) + "</th>";
      for (auto cb : statuses) {
        std::size_t n = 0;
        auto it = t->table.find(to_string(ra));
        if (it != t->table.end()) {
          auto jt = it->second.find(to_string(cb));
          if (jt != it->second.end()) n = jt->second;
        }
        double alpha = n ? 0.25 + 0.75 * static_cast<double>(n) / static_cast<double>(top) : 0;
        std::string bg = ra == cb ? "rgba(46,125,50," : "rgba(198,40,40,";
        out += n ? "<td class=\"hot\" style=\"background:" + bg + html::num(alpha * 100) + "%)\">" + std::to_string(n) +
                       "</td>"
                 : "<td>0</td>";
      }
      out += "</tr>";
    }
    out += "</tbody></table>";
    if (std::any_of(t->per_region.begin(), t->per_region.end(), [](std::size_t n) { return n > 0; })) {
      out += "<h3 style=\"font-size:15px;margin:16px 0 6px\">Cases per region where the decisions differ</h3>" +
             region_bars(r, *t);
    }
    out += "</section>\n";
  }
  if (!r.notes.empty()) {
    out += "<section><h2>Notes on exactness</h2><ul class=\"notes\">";
    for (const auto& n : r.notes) out += "<li>" + esc(n) + "</li>";
    out += "</ul></section>";
  }
  out += "<footer>" + esc(r.summary_line()) + ". Generated by divert diff; self-contained, no network.</footer>\n";
  out += "</main></body></html>\n";
  return out;
}

}  // namespace divert::detail::analysis
