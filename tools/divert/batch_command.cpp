// divert batch: replay a caseload through a policy (DESIGN §8, docs/batch.md).
//
//   divert batch POLICY [FILE|-] [--threads N] [--skip-rules ID,...]
//   divert batch POLICY FILE.csv --input csv --map MAP.json [--set FACT=VALUE ...]
//
// One output line per input line (JSONL) or per data row (CSV), in input order: the decision
// record of policy::explain as compact JSON, or {"line": N, "error": ...} for a line that could
// not be decided, or {"line": N, "row": R, "skipped": ...} for a CSV row the mapping skips.
// A summary goes to stderr; a progress bar too when stderr is a terminal.
//
// JSONL is read in chunks of whole lines (memory stays flat whatever the input size) and bound
// with simdjson's on-demand parser straight into the facts (divert/simdjson_binding.hpp). With
// --threads N, N workers decide chunks while this thread reads and a writer thread writes them
// back in input order; at most 2N+2 chunks are in flight.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "divert/batch.hpp"
#include "divert/detail/input/csv.hpp"
#include "divert/detail/input/csv_mapping.hpp"
#include "divert/policy.hpp"
#include "divert/simdjson_binding.hpp"

namespace divert::cli {
namespace {

using ojson = nlohmann::ordered_json;
using steady = std::chrono::steady_clock;

struct batch_options {
  std::string policy_file;
  std::string input = "-";
  std::string format = "jsonl";
  std::string map_file;
  unsigned threads = 1;
  std::vector<std::string> skip_rules;
  std::vector<std::string> sets;
  std::string progress = "auto";
  std::size_t chunk_bytes = 1u << 20;
};

void print_diagnostics(const std::vector<diagnostic>& ds) {
  for (const auto& d : ds) std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

// ---- input and output -----------------------------------------------------------------------

class input_file {
 public:
  bool open(const std::string& path) {
    name_ = path == "-" ? "<stdin>" : path;
    if (path == "-") {
      fd_ = 0;
    } else {
      fd_ = ::open(path.c_str(), O_RDONLY);
      if (fd_ < 0) return false;
      owned_ = true;
    }
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) size_ = static_cast<std::size_t>(st.st_size);
    return true;
  }
  ~input_file() {
    if (owned_) ::close(fd_);
  }
  // Reads up to n bytes; 0 at the end. Throws on a read error.
  std::size_t read(char* buf, std::size_t n) {
    for (;;) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) {
        done_.fetch_add(static_cast<std::size_t>(got), std::memory_order_relaxed);
        return static_cast<std::size_t>(got);
      }
      if (errno != EINTR) throw std::runtime_error(name_ + ": cannot read: " + std::strerror(errno));
    }
  }
  const std::string& name() const noexcept { return name_; }
  std::size_t size() const noexcept { return size_; }  // 0 when unknown (a pipe)
  std::size_t done() const noexcept { return done_.load(std::memory_order_relaxed); }

 private:
  int fd_ = -1;
  bool owned_ = false;
  std::string name_;
  std::size_t size_ = 0;
  std::atomic<std::size_t> done_{0};  // read by the progress bar on another thread
};

void write_all(const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left) {
    ssize_t n = ::write(1, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("cannot write the output: ") + std::strerror(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// A progress line on stderr, at most every 200 ms.
class progress_bar {
 public:
  explicit progress_bar(bool on) : on_(on), start_(steady::now()), last_(start_) {}
  void update(std::size_t lines, std::size_t bytes, std::size_t total) {
    if (!on_) return;
    auto now = steady::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.0f lines/s", secs > 0 ? static_cast<double>(lines) / secs : 0.0);
    std::string line = "\rdivert batch: ";
    if (total) {
      int pct = static_cast<int>(100.0 * static_cast<double>(bytes) / static_cast<double>(total));
      int filled = pct * 30 / 100;
      line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(30 - filled), '.') + "] " + std::to_string(pct) + "% ";
    }
    line += std::to_string(lines) + " lines, " + rate + "\x1b[K";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    shown_ = true;
  }
  void finish() {
    if (on_ && shown_) std::fputs("\r\x1b[K", stderr);
  }

 private:
  bool on_;
  bool shown_ = false;
  steady::time_point start_, last_;
};

// ---- deciding ---------------------------------------------------------------------------------

// What one thread needs to decide cases: its own facts, reader, decision and buffers.
class decider {
 public:
  decider(const policy& p, const rule_selection& skip)
      : p_(p), skip_(skip), facts_(p.bind(ojson::object())), writer_(p, &skip) {
    for (std::size_t k = 0; k < p.pathway_count(); ++k) pathway_ids_.push_back(p.pathway(k).id);
  }

  // Decides the bound facts; appends the line.
  void decide_bound(std::string& out, batch_summary& sum) {
    p_.decide(facts_, d_, &skip_);
    if (d_.status == status::eligible && facts_.warnings().empty() && d_.pathway >= 0) {
      out += writer_.eligible_line(d_.pathway);
      sum.add_decision(status::eligible, &pathway_ids_[static_cast<std::size_t>(d_.pathway)]);
      return;
    }
    p_.explain(facts_, record_, &skip_);
    writer_.write(record_, out);
    sum.add_decision(record_.status, record_.pathway ? &record_.pathway->id : nullptr);
  }

  // One JSONL line (without its newline): `padded` when 64 readable bytes follow it.
  void line(std::string_view text, std::size_t line_no, bool padded, std::string& out, batch_summary& sum) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    diags_.clear();
    if (!reader_.try_rebind(facts_, text, diags_, {}, lim_, padded)) {
      error(line_no, out, sum);
      return;
    }
    decide_bound(out, sum);
  }

  // A case already made (CSV rows).
  void json_case(const ojson& c, std::size_t line_no, std::string_view extra, std::string& out, batch_summary& sum) {
    diags_.clear();
    if (!facts_.try_rebind(c, diags_, {}, lim_)) {
      error(line_no, out, sum, extra);
      return;
    }
    decide_bound(out, sum);
  }

  void error(std::size_t line_no, std::string& out, batch_summary& sum, std::string_view extra = {}) {
    append_error_line(out, line_no, diags_, extra);
    const diagnostic* first = nullptr;
    for (const auto& d : diags_)
      if (d.level == severity::error) {
        first = &d;
        break;
      }
    sum.add_error(first ? first->id : "error");
  }

  std::vector<diagnostic>& diags() { return diags_; }
  const simdjson_case_reader& reader() const { return reader_; }

 private:
  const policy& p_;
  const rule_selection& skip_;
  facts facts_;
  decision d_;
  decision_record record_;  // explained into case after case: its memory is kept
  simdjson_case_reader reader_;
  record_writer writer_;
  std::vector<diagnostic> diags_;
  std::vector<std::string> pathway_ids_;
  limits lim_{};
};

// ---- JSONL: chunks of whole lines ---------------------------------------------------------------

struct chunk {
  std::vector<char> text;  // whole lines, then simdjson's padding
  std::size_t size = 0;    // bytes of lines
  std::size_t first_line = 1, lines = 0;
  std::vector<std::pair<std::size_t, std::size_t>> overlong;  // (line number, bytes): replaced by an empty line
  std::string out;
  batch_summary summary;
};

// Splits the input into chunks of whole lines.
class chunker {
 public:
  chunker(input_file& in, std::size_t target, std::size_t max_line) : in_(in), target_(target), max_line_(max_line) {}

  // Fills `c` with the next lines; false when the input is exhausted.
  bool next(chunk& c) {
    c.size = 0;
    c.lines = 0;
    c.overlong.clear();
    c.out.clear();
    c.summary = batch_summary{};
    c.first_line = next_line_;
    reserve(c, std::max(target_, carry_.size()) + target_ / 4 + simdjson::SIMDJSON_PADDING);
    std::memcpy(c.text.data(), carry_.data(), carry_.size());
    c.size = carry_.size();
    carry_.clear();
    bool has_newline = std::memchr(c.text.data(), '\n', c.size) != nullptr;
    bool cut = true;
    while (!eof_ && (c.size < target_ || !has_newline)) {
      if (!has_newline && c.size > max_line_) {
        skip_overlong(c);
        cut = false;
        break;
      }
      // Room for a good read (never none: a read of 0 bytes means the end of the input).
      const std::size_t room_wanted = std::max<std::size_t>(target_ / 4, 4096) + simdjson::SIMDJSON_PADDING;
      if (c.text.size() - c.size < room_wanted) reserve(c, c.text.size() * 2 + room_wanted);
      std::size_t got = in_.read(c.text.data() + c.size, c.text.size() - c.size - simdjson::SIMDJSON_PADDING);
      if (got == 0) {
        eof_ = true;
        break;
      }
      if (!has_newline) has_newline = std::memchr(c.text.data() + c.size, '\n', got) != nullptr;
      c.size += got;
    }
    if (c.size == 0) return false;
    if (cut && !eof_) {
      // Whole lines only: what follows the last newline waits for the next chunk.
      const char* base = c.text.data();
      const char* last = static_cast<const char*>(memrchr(base, '\n', c.size));
      std::size_t keep = static_cast<std::size_t>(last - base) + 1;
      carry_.assign(base + keep, base + c.size);
      c.size = keep;
    }
    std::memset(c.text.data() + c.size, ' ', simdjson::SIMDJSON_PADDING);
    // Count the lines (the last may lack its newline, at the end of the input).
    const char* p = c.text.data();
    const char* end = p + c.size;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      ++c.lines;
      p = nl ? nl + 1 : end;
    }
    next_line_ += c.lines;
    return true;
  }

 private:
  static void reserve(chunk& c, std::size_t n) {
    if (c.text.size() < n) c.text.resize(n);
  }
  // The chunk holds the start of one line longer than the limit: the line's bytes are dropped
  // up to its newline, and the chunk is that one line, empty, remembered as overlong.
  void skip_overlong(chunk& c) {
    std::size_t line_bytes = c.size;
    std::vector<char> buf(1 << 16);
    for (;;) {
      std::size_t got = in_.read(buf.data(), buf.size());
      if (got == 0) {
        eof_ = true;
        break;
      }
      const char* nl = static_cast<const char*>(std::memchr(buf.data(), '\n', got));
      if (nl) {
        line_bytes += static_cast<std::size_t>(nl - buf.data());
        carry_.assign(nl + 1, static_cast<std::size_t>(buf.data() + got - (nl + 1)));
        break;
      }
      line_bytes += got;
    }
    c.overlong.emplace_back(c.first_line, line_bytes);
    c.text[0] = '\n';
    c.size = 1;
  }

  input_file& in_;
  std::size_t target_, max_line_;
  std::string carry_;
  bool eof_ = false;
  std::size_t next_line_ = 1;
};

void process_chunk(decider& d, chunk& c, const limits& lim) {
  const char* p = c.text.data();
  const char* end = p + c.size;
  std::size_t line_no = c.first_line;
  std::size_t o = 0;
  c.out.reserve(c.lines * 200);
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* e = nl ? nl : end;
    if (o < c.overlong.size() && c.overlong[o].first == line_no) {
      d.diags().clear();
      d.diags().push_back({severity::error, "size-limit", "", "", 1, 1,
                           "line of " + std::to_string(c.overlong[o].second) + " bytes is longer than the limit of " +
                               std::to_string(lim.max_document_bytes)});
      d.error(line_no, c.out, c.summary);
      ++o;
    } else {
      d.line(std::string_view(p, static_cast<std::size_t>(e - p)), line_no, true, c.out, c.summary);
    }
    p = nl ? nl + 1 : end;
    ++line_no;
  }
}

int run_jsonl(const batch_options& o, const policy& p, const rule_selection& skip, input_file& in, progress_bar& bar,
              batch_summary& total) {
  limits lim;
  chunker split(in, o.chunk_bytes, lim.max_document_bytes);
  if (o.threads <= 1) {
    decider d(p, skip);
    chunk c;
    while (split.next(c)) {
      process_chunk(d, c, lim);
      write_all(c.out);
      total.merge(c.summary);
      bar.update(total.lines, in.done(), in.size());
    }
    return exit_ok;
  }

  // Workers decide chunks; this thread reads; a writer thread writes them back in order.
  const std::size_t slots = 2 * static_cast<std::size_t>(o.threads) + 2;
  enum class state { free, filled, done };
  struct slot {
    chunk c;
    state s = state::free;
  };
  std::vector<slot> ring(slots);
  std::mutex m;
  std::condition_variable cv_free, cv_work, cv_done;
  std::deque<std::size_t> work;
  bool reading_done = false;
  std::size_t chunks = 0;
  std::exception_ptr failure;

  auto worker = [&] {
    decider d(p, skip);
    for (;;) {
      std::size_t seq;
      {
        std::unique_lock<std::mutex> lock(m);
        cv_work.wait(lock, [&] { return !work.empty() || reading_done; });
        if (work.empty()) return;
        seq = work.front();
        work.pop_front();
      }
      slot& s = ring[seq % slots];
      process_chunk(d, s.c, lim);
      {
        std::lock_guard<std::mutex> lock(m);
        s.s = state::done;
      }
      cv_done.notify_all();
    }
  };
  auto writer = [&] {
    try {
      for (std::size_t seq = 0;; ++seq) {
        slot& s = ring[seq % slots];
        {
          std::unique_lock<std::mutex> lock(m);
          cv_done.wait(lock, [&] { return s.s == state::done || (reading_done && seq >= chunks); });
          if (s.s != state::done) return;
        }
        write_all(s.c.out);
        total.merge(s.c.summary);
        bar.update(total.lines, in.done(), in.size());
        {
          std::lock_guard<std::mutex> lock(m);
          s.s = state::free;
        }
        cv_free.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      failure = std::current_exception();
      cv_free.notify_all();
    }
  };

  std::vector<std::thread> workers;
  for (unsigned i = 0; i < o.threads; ++i) workers.emplace_back(worker);
  std::thread write_thread(writer);
  try {
    for (std::size_t seq = 0;; ++seq) {
      slot& s = ring[seq % slots];
      {
        std::unique_lock<std::mutex> lock(m);
        cv_free.wait(lock, [&] { return s.s == state::free || failure; });
        if (failure) break;
      }
      if (!split.next(s.c)) break;
      {
        std::lock_guard<std::mutex> lock(m);
        s.s = state::filled;
        work.push_back(seq);
        chunks = seq + 1;
      }
      cv_work.notify_one();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(m);
    if (!failure) failure = std::current_exception();
  }
  {
    std::lock_guard<std::mutex> lock(m);
    reading_done = true;
  }
  cv_work.notify_all();
  cv_done.notify_all();
  for (auto& t : workers) t.join();
  cv_done.notify_all();
  write_thread.join();
  if (failure) std::rethrow_exception(failure);
  return exit_ok;
}

// ---- CSV ------------------------------------------------------------------------------------------

int run_csv(const batch_options& o, const policy& p, const rule_selection& skip, input_file& in, progress_bar& bar,
            batch_summary& total) {
  detail::csv_mapping mapping;
  std::vector<diagnostic> diags;
  if (o.map_file.empty()) {
    std::fprintf(stderr, "divert: --input csv needs a mapping (--map MAP.json; see docs/batch.md)\n");
    return exit_unusable;
  }
  const auto& schema = p.impl().schema;
  if (!mapping.load(o.map_file, *schema, diags)) {
    print_diagnostics(diags);
    return exit_unusable;
  }
  for (const auto& s : o.sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "divert: --set takes FACT=VALUE (e.g. offence.force=metropolitan), not \"%s\"\n", s.c_str());
      return exit_unusable;
    }
    std::string value_text = s.substr(eq + 1);
    ojson value = ojson::parse(value_text, nullptr, false);
    if (value.is_discarded()) value = value_text;  // a bare word is a string
    std::vector<diagnostic> set_diags;
    if (!mapping.set_constant(*schema, s.substr(0, eq), value, set_diags)) {
      for (auto& d : set_diags) d.file = "--set";
      print_diagnostics(set_diags);
      return exit_unusable;
    }
  }
  for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.to_string().c_str());  // warnings

  detail::csv_reader reader([&](char* buf, std::size_t n) { return in.read(buf, n); });
  std::vector<std::string> fields;
  auto r = reader.next(fields);
  if (r == detail::csv_reader::result::end) return exit_ok;  // no header, no rows
  if (r == detail::csv_reader::result::error) {
    std::fprintf(stderr, "%s:1: error: the header: %s\n", in.name().c_str(), reader.message().c_str());
    return exit_unusable;
  }
  diags.clear();
  if (!mapping.bind_header(fields, diags, in.name())) {
    print_diagnostics(diags);
    return exit_unusable;
  }
  decider d(p, skip);
  std::string out;
  batch_summary sum;
  std::size_t row_no = 0;
  for (;;) {
    r = reader.next(fields);
    if (r == detail::csv_reader::result::end) break;
    ++row_no;
    std::string extra = ",\"row\":" + std::to_string(row_no);
    if (r == detail::csv_reader::result::error) {
      d.diags().clear();
      d.diags().push_back({severity::error, "csv-syntax", "", "", 0, 0, reader.message()});
      d.error(reader.line(), out, sum, extra);
    } else {
      auto row = mapping.map(fields);
      switch (row.what) {
        case detail::csv_mapping::row::kind::skip:
          out += "{\"line\":" + std::to_string(reader.line()) + extra + ",\"skipped\":";
          append_json_string(out, row.skip_id);
          out += ",\"message\":";
          append_json_string(out, row.message);
          out += "}\n";
          sum.add_skip(row.skip_id);
          break;
        case detail::csv_mapping::row::kind::error:
          d.diags().clear();
          d.diags().push_back({severity::error, "csv-value", "", "", 0, 0, row.message});
          d.error(reader.line(), out, sum, extra);
          break;
        case detail::csv_mapping::row::kind::record: d.json_case(row.case_json, reader.line(), extra, out, sum); break;
      }
    }
    if (out.size() > (1u << 20)) {
      write_all(out);
      out.clear();
      total.merge(sum);
      sum = batch_summary{};
      bar.update(total.lines, in.done(), in.size());
    }
  }
  write_all(out);
  total.merge(sum);
  return exit_ok;
}

int run_batch(const batch_options& o) {
  std::vector<diagnostic> diags;
  policy p = policy::load(o.policy_file, diags);
  if (!p.valid()) {
    for (const auto& d : diags)
      if (d.level == severity::error) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return exit_unusable;
  }
  rule_selection skip;
  try {
    skip = p.select(split_commas(o.skip_rules));
  } catch (const divert::error& e) {
    print_diagnostics(e.diagnostics());
    return exit_unusable;
  }
  input_file in;
  if (!in.open(o.input)) {
    std::fprintf(stderr, "%s: error: cannot read file\n", o.input.c_str());
    return exit_unusable;
  }
  bool tty = ::isatty(2) != 0;
  progress_bar bar(o.progress == "always" || (o.progress == "auto" && tty));
  batch_summary total;
  auto t0 = steady::now();
  int code;
  try {
    code = o.format == "csv" ? run_csv(o, p, skip, in, bar, total) : run_jsonl(o, p, skip, in, bar, total);
  } catch (const std::exception& e) {
    bar.finish();
    std::fprintf(stderr, "divert: %s\n", e.what());
    return exit_unusable;
  }
  bar.finish();
  if (code != exit_ok) return code;
  double secs = std::chrono::duration<double>(steady::now() - t0).count();
  char rate[96];
  std::snprintf(rate, sizeof rate, " (%.2f s, %.0f lines/s, %u thread%s)", secs,
                secs > 0 ? static_cast<double>(total.lines) / secs : 0.0, o.threads, o.threads == 1 ? "" : "s");
  std::string text = total.to_text();
  auto nl = text.find('\n');
  std::fprintf(stderr, "divert batch: %s%s%s", text.substr(0, nl).c_str(), rate, text.substr(nl).c_str());
  return exit_ok;
}

}  // namespace

void add_batch_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<batch_options>();
  auto* batch = app.add_subcommand(
      "batch", "Decide a caseload: JSONL (or CSV with a mapping) in, one decision record per line out, in order");
  batch->add_option("policy", o->policy_file, "Policy file")->required();
  batch->add_option("input", o->input, "JSONL (or CSV) file, or - for standard input")->capture_default_str();
  batch->add_option("--input", o->format, "Input format: jsonl, or csv (with --map)")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  batch->add_option("--map", o->map_file, "Mapping file for CSV input (docs/batch.md, schemas/mapping.schema.json)");
  batch->add_option("--set", o->sets,
                    "A constant fact for every row, FACT=VALUE (CSV; e.g. offence.force=metropolitan)");
  batch->add_option("--threads", o->threads, "Worker threads (JSONL); output stays in input order")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  batch->add_option("--skip-rules", o->skip_rules,
                    "Rule ids to set aside (eligibility rules pass, exclusions do not fire), comma-separated");
  batch->add_option("--progress", o->progress, "Progress bar on stderr: auto (when a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  batch->add_option("--chunk-bytes", o->chunk_bytes, "Bytes of input per chunk of work (JSONL)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->capture_default_str();
  batch->callback([o, &exit_code] { exit_code = run_batch(*o); });
}

}  // namespace divert::cli
