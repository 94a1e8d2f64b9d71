#include "vitlens/model/config.hpp"

namespace vitlens {

const char* to_string(Activation a) {
  switch (a) {
    case Activation::GeluErf: return "gelu";
    case Activation::GeluTanh: return "gelu_tanh";
    case Activation::QuickGelu: return "quick_gelu";
    case Activation::Relu: return "relu";
  }
  return "unknown";
}

const char* to_string(Resample r) {
  switch (r) {
    case Resample::Nearest: return "nearest";
    case Resample::Bilinear: return "bilinear";
    case Resample::Bicubic: return "bicubic";
    case Resample::Lanczos: return "lanczos";
  }
  return "unknown";
}

const char* to_string(Pooling p) {
  switch (p) {
    case Pooling::Token: return "token";
    case Pooling::Mean: return "mean";
    case Pooling::ClsAndMean: return "cls+mean";
    case Pooling::Probe: return "attention probe";
  }
  return "unknown";
}

const char* to_string(MlpKind m) {
  switch (m) {
    case MlpKind::Plain: return "mlp";
    case MlpKind::SwiGlu: return "swiglu";
  }
  return "unknown";
}

}  // namespace vitlens
