#include "checkpoint/pickle.hpp"

#include <bit>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "vitlens/util/error.hpp"

namespace vitlens::pickle {

namespace {

using Kind = Value::Kind;

// The only globals a state dict needs. Anything else (os.system, builtins.eval, any class)
// is refused when it is named, before it could be called.
const std::set<std::string> kAllowedGlobals = {
    "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    "torch.FloatStorage",      "torch.HalfStorage",               "torch.BFloat16Storage",
};

constexpr size_t kMaxDepth = 100'000;

ValuePtr make(Kind kind) {
  auto value = std::make_shared<Value>();
  value->kind = kind;
  return value;
}

class Machine {
 public:
  Machine(const std::string& bytes, const std::string& where, const std::function<void(const Storage&)>& check)
      : bytes_(bytes), where_(where), check_storage_(check) {}

  ValuePtr run() {
    for (;;) {
      const size_t at = pos_;
      const auto op = static_cast<unsigned char>(take(1)[0]);
      if (op == '.') break;
      step(op, at);
      if (stack_.size() > kMaxDepth) fail("the pickle's stack grows past " + std::to_string(kMaxDepth) + " entries");
    }
    if (stack_.size() != 1) fail("the pickle ends with " + std::to_string(stack_.size()) + " objects on its stack instead of one");
    return stack_.back();
  }

 private:
  const std::string& bytes_;
  std::string where_;
  const std::function<void(const Storage&)>& check_storage_;
  size_t pos_ = 0;
  std::vector<ValuePtr> stack_;
  std::map<uint64_t, ValuePtr> memo_;

  [[noreturn]] void fail(const std::string& problem) const { throw Error(where_ + ": " + problem); }

  [[noreturn]] void refuse(unsigned char op, size_t at) const {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x", op);
    fail(std::string("refused pickle opcode ") + code + (std::isprint(op) ? std::string(" ('") + static_cast<char>(op) + "')" : "") + " at byte " +
         std::to_string(at) + ": a state dict does not need it, and ViTLens never runs pickle code");
  }

  std::string take(size_t count) {
    if (count > bytes_.size() - pos_) fail("the pickle is truncated (wanted " + std::to_string(count) + " bytes at byte " + std::to_string(pos_) + ")");
    std::string chunk = bytes_.substr(pos_, count);
    pos_ += count;
    return chunk;
  }

  uint64_t unsigned_le(size_t width) {
    const std::string raw = take(width);
    uint64_t value = 0;
    for (size_t i = width; i-- > 0;) value = (value << 8) | static_cast<unsigned char>(raw[i]);
    return value;
  }

  std::string line() {
    const size_t end = bytes_.find('\n', pos_);
    if (end == std::string::npos || end - pos_ > 256) fail("the pickle has a GLOBAL without a proper name");
    std::string text = bytes_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return text;
  }

  ValuePtr pop() {
    if (stack_.empty()) fail("the pickle pops from an empty stack");
    ValuePtr value = stack_.back();
    stack_.pop_back();
    if (value->kind == Kind::Mark) fail("the pickle uses a MARK as a value");
    return value;
  }

  ValuePtr& top() {
    if (stack_.empty() || stack_.back()->kind == Kind::Mark) fail("the pickle works on an empty stack");
    return stack_.back();
  }

  std::vector<ValuePtr> pop_to_mark() {
    std::vector<ValuePtr> items;
    while (!stack_.empty() && stack_.back()->kind != Kind::Mark) {
      items.push_back(stack_.back());
      stack_.pop_back();
    }
    if (stack_.empty()) fail("the pickle closes a MARK it never opened");
    stack_.pop_back();
    return {items.rbegin(), items.rend()};
  }

  void push_integer(int64_t value) {
    auto v = make(Kind::Int);
    v->integer = value;
    stack_.push_back(v);
  }

  void push_string(std::string text) {
    auto v = make(Kind::String);
    v->text = std::move(text);
    stack_.push_back(v);
  }

  void push_tuple(std::vector<ValuePtr> items) {
    auto v = make(Kind::Tuple);
    v->items = std::move(items);
    stack_.push_back(v);
  }

  void push_global(const std::string& module, const std::string& name) {
    const std::string qualified = module + "." + name;
    if (!kAllowedGlobals.count(qualified))
      fail("refused pickle GLOBAL " + qualified + ": only the globals of a PyTorch state dict are allowed, and ViTLens never runs pickle code");
    auto v = make(Kind::Global);
    v->text = qualified;
    stack_.push_back(v);
  }

  void memo_put(uint64_t index) { memo_[index] = top(); }

  void memo_get(uint64_t index) {
    const auto found = memo_.find(index);
    if (found == memo_.end()) fail("the pickle reads memo entry " + std::to_string(index) + ", which it never stored");
    stack_.push_back(found->second);
  }

  void set_items(const std::vector<ValuePtr>& items) {
    if (items.size() % 2) fail("the pickle sets a dict item without a value");
    ValuePtr& dict = top();
    if (dict->kind != Kind::Dict) fail("the pickle sets items on something that is not a dict");
    for (size_t i = 0; i < items.size(); i += 2) dict->entries.emplace_back(items[i], items[i + 1]);
  }

  void append(const std::vector<ValuePtr>& items) {
    ValuePtr& list = top();
    if (list->kind != Kind::List) fail("the pickle appends to something that is not a list");
    list->items.insert(list->items.end(), items.begin(), items.end());
  }

  static int64_t signed_le(const std::string& raw) {
    uint64_t value = 0;
    for (size_t i = raw.size(); i-- > 0;) value = (value << 8) | static_cast<unsigned char>(raw[i]);
    if (!raw.empty() && raw.size() < 8 && (static_cast<unsigned char>(raw.back()) & 0x80)) value |= ~uint64_t{0} << (8 * raw.size());
    return static_cast<int64_t>(value);
  }

  void step(unsigned char op, size_t at) {
    switch (op) {
      case 0x80: take(1); break;                           // PROTO
      case 0x95: take(8); break;                           // FRAME
      case '(': stack_.push_back(make(Kind::Mark)); break;  // MARK
      case '}': stack_.push_back(make(Kind::Dict)); break;  // EMPTY_DICT
      case ']': stack_.push_back(make(Kind::List)); break;  // EMPTY_LIST
      case ')': push_tuple({}); break;                      // EMPTY_TUPLE
      case 't': push_tuple(pop_to_mark()); break;           // TUPLE
      case 0x85: case 0x86: case 0x87: {                    // TUPLE1..3
        std::vector<ValuePtr> items(op - 0x84);
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        push_tuple(std::move(items));
        break;
      }
      case 'N': stack_.push_back(make(Kind::None)); break;
      case 0x88: case 0x89: {                               // NEWTRUE, NEWFALSE
        auto v = make(Kind::Bool);
        v->integer = op == 0x88;
        stack_.push_back(v);
        break;
      }
      case 'J': push_integer(static_cast<int32_t>(unsigned_le(4))); break;  // BININT
      case 'K': push_integer(static_cast<int64_t>(unsigned_le(1))); break;  // BININT1
      case 'M': push_integer(static_cast<int64_t>(unsigned_le(2))); break;  // BININT2
      case 0x8a: {                                                          // LONG1
        const size_t width = static_cast<size_t>(unsigned_le(1));
        if (width > 8) fail("the pickle holds an integer wider than 64 bits");
        push_integer(signed_le(take(width)));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        uint64_t raw = 0;
        for (char c : take(8)) raw = (raw << 8) | static_cast<unsigned char>(c);
        auto v = make(Kind::Float);
        v->real = std::bit_cast<double>(raw);
        stack_.push_back(v);
        break;
      }
      case 'X': push_string(take(unsigned_le(4))); break;     // BINUNICODE
      case 0x8c: push_string(take(unsigned_le(1))); break;    // SHORT_BINUNICODE
      case 0x8d: push_string(take(unsigned_le(8))); break;    // BINUNICODE8
      case 'U': push_string(take(unsigned_le(1))); break;     // SHORT_BINSTRING
      case 'T': push_string(take(unsigned_le(4))); break;     // BINSTRING
      case 'q': memo_put(unsigned_le(1)); break;              // BINPUT
      case 'r': memo_put(unsigned_le(4)); break;              // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); break;               // MEMOIZE
      case 'h': memo_get(unsigned_le(1)); break;              // BINGET
      case 'j': memo_get(unsigned_le(4)); break;              // LONG_BINGET
      case 'c': {                                             // GLOBAL
        const std::string module = line();
        push_global(module, line());
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        const ValuePtr name = pop(), module = pop();
        if (name->kind != Kind::String || module->kind != Kind::String) fail("the pickle has a STACK_GLOBAL without names");
        push_global(module->text, name->text);
        break;
      }
      case 's': {  // SETITEM
        const ValuePtr value = pop(), key = pop();
        set_items({key, value});
        break;
      }
      case 'u': set_items(pop_to_mark()); break;  // SETITEMS
      case 'a': append({pop()}); break;           // APPEND
      case 'e': append(pop_to_mark()); break;     // APPENDS
      case 'Q': stack_.push_back(persistent(pop())); break;  // BINPERSID
      case 'R': {                                  // REDUCE
        const ValuePtr args = pop(), callable = pop();
        stack_.push_back(reduce(callable, args));
        break;
      }
      case 'b': {  // BUILD: an OrderedDict's attributes (a state dict's _metadata) are dropped
        const ValuePtr state = pop();
        if (top()->kind != Kind::Dict) fail("refused pickle BUILD on something other than an OrderedDict");
        (void)state;
        break;
      }
      default: refuse(op, at);
    }
  }

  ValuePtr persistent(const ValuePtr& id) {
    const auto& f = id->items;
    if (id->kind != Kind::Tuple || f.size() != 5 || f[0]->kind != Kind::String || f[0]->text != "storage" || f[1]->kind != Kind::Global ||
        f[2]->kind != Kind::String || f[4]->kind != Kind::Int || f[4]->integer < 0)
      fail("refused a persistent id that is not ('storage', type, key, location, numel)");
    auto v = make(Kind::Storage);
    const std::string& type = f[1]->text;
    if (type == "torch.FloatStorage") v->storage.dtype = DType::F32;
    else if (type == "torch.HalfStorage") v->storage.dtype = DType::F16;
    else if (type == "torch.BFloat16Storage") v->storage.dtype = DType::BF16;
    else fail("refused storage type " + type + " (ViTLens reads float32, float16 and bfloat16 tensors)");
    v->storage.key = f[2]->text;
    v->storage.numel = static_cast<uint64_t>(f[4]->integer);
    check_storage_(v->storage);
    return v;
  }

  std::vector<int64_t> integers(const ValuePtr& tuple, const char* what) const {
    if (tuple->kind != Kind::Tuple) fail(std::string("a tensor's ") + what + " is not a tuple");
    std::vector<int64_t> values;
    for (const ValuePtr& item : tuple->items) {
      if (item->kind != Kind::Int || item->integer < 0) fail(std::string("a tensor's ") + what + " holds something other than a non-negative integer");
      values.push_back(item->integer);
    }
    return values;
  }

  ValuePtr rebuild_tensor(const std::vector<ValuePtr>& args) const {
    if (args.size() < 4 || args[0]->kind != Kind::Storage || args[1]->kind != Kind::Int || args[1]->integer < 0)
      fail("refused a _rebuild_tensor_v2 call without (storage, offset, size, stride)");
    auto v = make(Kind::Tensor);
    v->tensor.storage = args[0]->storage;
    v->tensor.offset = static_cast<uint64_t>(args[1]->integer);
    v->tensor.shape = integers(args[2], "size");
    v->tensor.stride = integers(args[3], "stride");
    if (v->tensor.shape.size() != v->tensor.stride.size()) fail("a tensor's size and stride differ in length");
    // The last element it reaches must lie in the storage, with no overflow on the way.
    unsigned __int128 last = v->tensor.offset;
    bool empty = false;
    for (size_t i = 0; i < v->tensor.shape.size(); ++i) {
      if (v->tensor.shape[i] == 0) empty = true;
      else last += static_cast<unsigned __int128>(v->tensor.shape[i] - 1) * static_cast<uint64_t>(v->tensor.stride[i]);
    }
    if (!empty && last >= v->tensor.storage.numel)
      fail("a tensor reaches past the end of its storage '" + v->tensor.storage.key + "' (" + std::to_string(v->tensor.storage.numel) + " elements)");
    return v;
  }

  ValuePtr reduce(const ValuePtr& callable, const ValuePtr& args) const {
    if (callable->kind != Kind::Global || args->kind != Kind::Tuple) fail("refused pickle REDUCE on something other than an allowed global");
    if (callable->text == "collections.OrderedDict") {
      if (!args->items.empty()) fail("refused an OrderedDict built from arguments");
      return make(Kind::Dict);
    }
    if (callable->text == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(args->items);
    if (callable->text == "torch._utils._rebuild_parameter") {
      if (args->items.empty() || args->items[0]->kind != Kind::Tensor) fail("refused a _rebuild_parameter call without a tensor");
      return args->items[0];
    }
    fail("refused pickle REDUCE of " + callable->text + ": only OrderedDict and the tensor rebuilds may be called");
  }
};

}  // namespace

ValuePtr load(const std::string& bytes, const std::string& where, const std::function<void(const Storage&)>& check_storage) {
  return Machine(bytes, where, check_storage).run();
}

}  // namespace vitlens::pickle
