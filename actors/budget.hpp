#pragma once
// Budgets in USD, the session's and the runtime's: when one allows no more spending, and the
// reason a run is refused or stopped with.

#include <cstdio>
#include <string>

namespace agentrt {

// "" while `budget` (0: none) allows more spending, else "<what> exceeded: $S spent of $B".
// `crossed`: only once the spending is over the budget (a run to stop), not merely at it (a run
// to refuse).
inline std::string budget_problem(const char* what, double spent, double budget, bool crossed) {
  if (budget <= 0 || (crossed ? spent <= budget : spent < budget)) return {};
  char text[128];
  std::snprintf(text, sizeof text, "%s exceeded: $%.4f spent of $%.4f", what, spent, budget);
  return text;
}

}  // namespace agentrt
