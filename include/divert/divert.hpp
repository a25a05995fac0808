#pragma once
// divert: police drug-diversion schemes as data. The whole public interface.

#include "divert/decision.hpp"
#include "divert/error.hpp"
#include "divert/facts.hpp"
#include "divert/jsonlogic.hpp"
#include "divert/limits.hpp"
#include "divert/policy.hpp"
#include "divert/version.hpp"
