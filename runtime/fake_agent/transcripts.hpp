#pragma once
// The transcripts bundled into the fake agent (generated from transcripts/*.jsonl at build time).

#include <string>
#include <vector>

namespace agentrt::fake {

struct transcript {
  std::string name;
  std::string text;  // NDJSON: the first line starts the run, the last one is the result
};

const std::vector<transcript>& bundled_transcripts();

}  // namespace agentrt::fake
