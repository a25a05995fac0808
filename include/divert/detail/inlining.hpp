#pragma once
// Where the compiler's inlining is overruled, and why. Hot helpers are inlined into the dispatch
// (or the reading loop) that calls them: a call per node costs more than the node's work.
// DIVERT_OUT_OF_LINE keeps a function in a frame of its own, so that its state and its caller's
// do not crowd each other's registers (a cold fallback, or the lean decision path).
// DIVERT_UNLIKELY marks a branch the hot path does not take (the fallback's call), so that the
// compiler lays it out of the way and saves registers only on it. DIVERT_UNREACHABLE marks a
// switch's default that no value reaches, so that no range check precedes its jump table.

#if defined(__GNUC__) || defined(__clang__)
#define DIVERT_HOT_INLINE __attribute__((always_inline)) inline
#define DIVERT_HOT_LAMBDA __attribute__((always_inline))
#define DIVERT_OUT_OF_LINE __attribute__((noinline))
#define DIVERT_UNLIKELY(x) __builtin_expect(static_cast<bool>(x), 0)
#define DIVERT_UNREACHABLE() __builtin_unreachable()
#else
#define DIVERT_HOT_INLINE inline
#define DIVERT_HOT_LAMBDA
#define DIVERT_OUT_OF_LINE
#define DIVERT_UNLIKELY(x) static_cast<bool>(x)
#define DIVERT_UNREACHABLE() ((void)0)
#endif
