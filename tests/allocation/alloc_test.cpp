// Heap allocations of a decision (DESIGN §2, §10: "evaluate is allocation-free when no trace is
// asked for"; "full Lewisham decision ... 0 heap allocations").
//
// A program of its own, with its own main, because it replaces the global operator new to count
// calls (that would disturb Catch2's own bookkeeping). For each case of policies/lewisham.tests.json
// and policies/thames_valley.tests.json, bound beforehand: policy.decide(facts) and
// policy.decide(facts, decision&) (also with a rule selection, and evaluating every rule) must
// make no allocation at all; policy.explain(facts) must make some, which shows that the
// counter counts. Exit status 0 when all holds; every failure is printed.

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <new>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/policy.hpp"

namespace {

std::atomic<long> allocations{0};
std::atomic<bool> counting{false};

void* allocate(std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}

void* allocate_aligned(std::size_t n, std::align_val_t a) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t align = static_cast<std::size_t>(a);
  std::size_t size = (n + align - 1) / align * align;
  return std::aligned_alloc(align, size ? size : align);
}

// Out of line, so that the compiler does not see malloc's pointer reach free through an inlined
// operator new/delete pair (GCC's -Wmismatched-new-delete would then object).
__attribute__((noinline)) void release(void* p) noexcept { std::free(p); }

}  // namespace

// ---- the replaced allocation functions -------------------------------------------------------

void* operator new(std::size_t n) {
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = allocate_aligned(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = allocate_aligned(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return allocate_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_aligned(n, a);
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

// ---- the test --------------------------------------------------------------------------------

namespace {

int failures = 0;
void* volatile escape = nullptr;

void fail(const std::string& what) {
  ++failures;
  std::fprintf(stderr, "FAIL %s\n", what.c_str());
}

// Allocations made by f().
template <class F>
long count(F&& f) {
  allocations.store(0);
  counting.store(true);
  f();
  counting.store(false);
  return allocations.load();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_policy(const std::string& name) {
  const std::string dir = std::string(DIVERT_SOURCE_DIR) + "/policies/";
  divert::policy p = divert::policy::load(dir + name + ".json");
  nlohmann::ordered_json suite = nlohmann::ordered_json::parse(read_file(dir + name + ".tests.json"));

  // Every case of the suite, bound before counting starts (binding is not under test here).
  std::vector<std::string> names;
  std::vector<divert::facts> cases;
  for (const auto& c : suite["cases"]) {
    names.push_back(c["name"].get<std::string>());
    cases.push_back(p.bind(c["case"]));
  }
  // A what-if selection, made beforehand too: the first rule that is not a pathway.
  std::vector<std::string> skip_ids;
  for (std::size_t i = 0; i < p.rule_count() && skip_ids.empty(); ++i)
    if (p.rule(i).stage != "pathway") skip_ids.push_back(p.rule(i).id);
  divert::rule_selection skip = p.select(skip_ids);

  std::set<std::string> statuses;
  long decide_allocations = 0, explain_allocations = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const divert::facts& f = cases[i];
    divert::decision d;
    divert::status by_value = divert::status::undetermined;
    long n = count([&] { by_value = p.decide(f).status; });
    decide_allocations += n;
    if (n != 0) fail(name + ": decide(facts) made " + std::to_string(n) + " allocations for \"" + names[i] + "\"");
    n = count([&] { p.decide(f, d); });
    decide_allocations += n;
    if (n != 0)
      fail(name + ": decide(facts, decision&) made " + std::to_string(n) + " allocations for \"" + names[i] + "\"");
    if (d.status != by_value) fail(name + ": the two forms of decide disagree for \"" + names[i] + "\"");
    n = count([&] { p.decide(f, d, &skip); });
    decide_allocations += n;
    if (n != 0)
      fail(name + ": decide with --skip-rules made " + std::to_string(n) + " allocations for \"" + names[i] + "\"");
    n = count([&] { p.decide(f, d, nullptr, /*evaluate_all=*/true); });
    decide_allocations += n;
    if (n != 0)
      fail(name + ": decide evaluating every rule made " + std::to_string(n) + " allocations for \"" + names[i] + "\"");
    statuses.insert(divert::to_string(by_value));
    divert::decision_record r;
    explain_allocations += count([&] { r = p.explain(f); });
  }
  // The counter works: explaining (messages, reasons, the record's strings) allocates.
  if (explain_allocations == 0) fail(name + ": explain made no allocation, so the counter is not counting");
  if (cases.size() < 5) fail(name + ": expected the suite to have several cases, got " + std::to_string(cases.size()));
  if (statuses.size() < 2) fail(name + ": the suite's cases reach only one status");
  std::string seen;
  for (const auto& s : statuses) seen += (seen.empty() ? "" : ", ") + s;
  std::printf("%s: %zu cases (%s): decide made %ld allocations, explain %ld\n", name.c_str(), cases.size(),
              seen.c_str(), decide_allocations, explain_allocations);
}

}  // namespace

int main() {
  try {
    // The counter itself: one new, counted; none when not counting.
    long n = count([] {
      int* p = new int(1);
      escape = p;  // so that the compiler cannot elide the new/delete pair
      delete p;
    });
    if (n != 1) fail("operator new counted " + std::to_string(n) + " allocations for one new");
    check_policy("lewisham");
    check_policy("thames_valley");
  } catch (const std::exception& e) {
    fail(std::string("exception: ") + e.what());
  }
  if (failures) std::fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
