#pragma once
#include <optional>
#include <string>

namespace vitlens {

// A model on the Hugging Face hub as a user names it: "ORG/NAME" or "ORG/NAME@REVISION",
// where the revision is a branch, a tag or a 40-hex-digit commit ("main" when omitted).
struct HubModelId {
  std::string org;
  std::string name;
  std::string revision = "main";

  std::string repo() const { return org + "/" + name; }
  // "ORG/NAME" for main, "ORG/NAME@REVISION" otherwise: how a user would write it back.
  std::string to_string() const;
};

// The id `text` names, or nothing when it is not of that form (so a misspelt local path is
// not mistaken for a hub id). ORG and NAME take letters, digits, '-', '_' and '.', as the
// hub allows; neither may be "." or "..".
std::optional<HubModelId> parse_hub_model_id(const std::string& text);

// True for a full commit hash (40 lower-case hex digits), which needs no refs/ lookup.
bool is_commit_hash(const std::string& revision);

}  // namespace vitlens
