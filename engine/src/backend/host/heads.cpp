#include "backend/host/heads.hpp"

#include <algorithm>
#include <cmath>

#include "backend/host/activation.hpp"
#include "backend/host/layer_norm.hpp"
#include "backend/host/linear.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::cpu {
namespace {

Matrix rows_of(const Tensor& t, int first, int count) {
  Matrix m(count, static_cast<int>(t.dim(1)));
  std::copy_n(t.ptr() + static_cast<size_t>(first) * m.cols, m.data.size(), m.data.begin());
  return m;
}

Tensor to_tensor(const Matrix& m) {
  Tensor t({static_cast<int64_t>(m.data.size())});
  std::transform(m.data.begin(), m.data.end(), t.data.begin(), [](double v) { return static_cast<float>(v); });
  return t;
}

// The patch tokens: after the prefix (CLS, distillation, registers), before YOLOS's suffix.
Matrix patch_mean(const Model& model, const Tensor& hidden) {
  const int first = model.config.num_prefix_tokens;
  const int count = static_cast<int>(hidden.dim(0)) - first - model.config.num_detection_tokens;
  const Matrix patches = rows_of(hidden, first, count);
  Matrix mean(1, patches.cols);
  for (int t = 0; t < count; ++t)
    for (int c = 0; c < patches.cols; ++c) mean.row(0)[c] += patches.row(t)[c];
  for (double& v : mean.data) v /= count;
  return mean;
}

Matrix concat(const Matrix& a, const Matrix& b) {
  Matrix m(1, a.cols + b.cols);
  std::copy(a.data.begin(), a.data.end(), m.data.begin());
  std::copy(b.data.begin(), b.data.end(), m.data.begin() + a.cols);
  return m;
}

// softmax(q k_j / sqrt(dh)) per head over every token, then the weighted values, as
// nn.MultiheadAttention (transformers) and AttentionPoolLatent (timm) compute it for one query.
Matrix probe_attend(const Model& model, const Matrix& q, const Matrix& kv, Tensor& attention) {
  const int d = model.config.hidden_size, heads = model.config.num_heads, dh = d / heads, tokens = kv.rows;
  const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
  attention = Tensor({heads, tokens});
  Matrix context(1, d);
  std::vector<double> scores(static_cast<size_t>(tokens));
  for (int h = 0; h < heads; ++h) {
    const double* qh = q.row(0) + h * dh;
    for (int j = 0; j < tokens; ++j) {
      const double* k = kv.row(j) + h * dh;
      double s = 0;
      for (int i = 0; i < dh; ++i) s += qh[i] * k[i];
      scores[static_cast<size_t>(j)] = s * scale;
    }
    const double top = *std::max_element(scores.begin(), scores.end());
    double sum = 0;
    for (double& s : scores) sum += (s = std::exp(s - top));
    for (int j = 0; j < tokens; ++j) {
      const double p = scores[static_cast<size_t>(j)] / sum;
      attention.data[static_cast<size_t>(h) * tokens + j] = static_cast<float>(p);
      const double* v = kv.row(j) + d + h * dh;
      for (int i = 0; i < dh; ++i) context.row(0)[h * dh + i] += p * v[i];
    }
  }
  return context;
}

// SigLIP's head: the probe's attention output, then x + fc2(act(fc1(norm(x)))).
Matrix probe_pool(const Model& model, const Tensor& hidden, const Tensor& probe_kv, ForwardOutput& out) {
  const ProbeHeadWeights& p = *model.weights.probe;
  Matrix probe(1, model.config.hidden_size);
  std::copy(p.probe.data.begin(), p.probe.data.end(), probe.data.begin());
  const Matrix kv = probe_kv.empty() ? linear(rows_of(hidden, 0, static_cast<int>(hidden.dim(0))), p.kv)
                                     : rows_of(probe_kv, 0, static_cast<int>(probe_kv.dim(0)));
  Matrix x = linear(probe_attend(model, linear(probe, p.q), kv, out.probe_attention), p.proj);
  Matrix hidden_mlp = linear(layer_norm(x, p.norm, model.config.layer_norm_eps), p.fc1);
  activate(model.config.activation, hidden_mlp);
  const Matrix mlp = linear(hidden_mlp, p.fc2);
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] += mlp.data[i];
  return x;
}

// The feature head `index` reads; only Pooling::Token differs per head (DeiT's pair).
Matrix pooled_feature(const Model& model, const Tensor& hidden, int index, const Tensor& probe_kv, ForwardOutput& out) {
  switch (model.config.pooling) {
    case Pooling::Token: return rows_of(hidden, index, 1);
    case Pooling::Mean: return patch_mean(model, hidden);
    case Pooling::ClsAndMean: return concat(rows_of(hidden, 0, 1), patch_mean(model, hidden));
    case Pooling::Probe: return probe_pool(model, hidden, probe_kv, out);
  }
  return {};
}

Matrix normed(const Model& model, Matrix feature) {
  const auto& norm = model.weights.fc_norm;
  return norm ? layer_norm(feature, *norm, model.config.layer_norm_eps) : feature;
}

// One class's gradient through a Linear head: its weight row.
Matrix row_gradient(const Linear& head, int row, double scale) {
  Matrix g(1, static_cast<int>(head.weight.dim(1)));
  const float* w = head.weight.ptr() + static_cast<size_t>(row) * g.cols;
  for (int c = 0; c < g.cols; ++c) g.row(0)[c] = scale * w[c];
  return g;
}

void check_class(const Model& model, int index, int classes, const std::string& what) {
  if (index < 0 || index >= classes)
    throw Error("class " + std::to_string(index) + " is out of range: " + model.config.architecture + " has " + std::to_string(classes) + " " + what +
                " (0-" + std::to_string(classes - 1) + ")");
}

void check_detection_token(const Model& model, int token) {
  const int count = model.config.num_detection_tokens;
  if (token >= count) throw Error("detection token " + std::to_string(token) + " is out of range: the model has " + std::to_string(count));
}

// YOLOS: back through the class MLP (Linear, ReLU, Linear, ReLU, Linear) of one detection token.
Matrix detection_gradient(const Model& model, const Tensor& hidden, const LogitTarget& target) {
  const int count = model.config.num_detection_tokens;
  const auto& mlp = model.weights.detection->class_mlp;
  check_class(model, target.class_index, static_cast<int>(mlp.back().weight.dim(0)), "detection classes (the last is \"no object\")");
  const int token = static_cast<int>(hidden.dim(0)) - count + target.detection_token;
  std::vector<Matrix> pre{rows_of(hidden, token, 1)};
  for (size_t i = 0; i + 1 < mlp.size(); ++i) {
    Matrix h = linear(pre.back(), mlp[i]);
    pre.push_back(h);
    activate(Activation::Relu, pre.back());
  }
  Matrix g = row_gradient(mlp.back(), target.class_index, 1.0);
  for (size_t i = mlp.size() - 1; i-- > 0;) {
    const Matrix before_relu = linear(pre[i], mlp[i]);
    for (int c = 0; c < g.cols; ++c) g.row(0)[c] *= before_relu.row(0)[c] > 0 ? 1.0 : 0.0;
    g = linear_backward(g, mlp[i]);
  }
  Matrix grad(static_cast<int>(hidden.dim(0)), static_cast<int>(hidden.dim(1)));
  std::copy(g.data.begin(), g.data.end(), grad.row(token));
  return grad;
}

// Spreads the gradient at a pooled feature back onto the tokens it was pooled from.
void scatter_pooled(const Model& model, const Matrix& feature_grad, int head, Matrix& grad) {
  const int d = grad.cols, first = model.config.num_prefix_tokens;
  const int patches = grad.rows - first - model.config.num_detection_tokens;
  const auto spread = [&](const double* g) {
    for (int t = first; t < first + patches; ++t)
      for (int c = 0; c < d; ++c) grad.row(t)[c] += g[c] / patches;
  };
  switch (model.config.pooling) {
    case Pooling::Token:
      for (int c = 0; c < d; ++c) grad.row(head)[c] += feature_grad.row(0)[c];
      return;
    case Pooling::Mean: spread(feature_grad.row(0)); return;
    case Pooling::ClsAndMean:
      for (int c = 0; c < d; ++c) grad.row(0)[c] += feature_grad.row(0)[c];
      spread(feature_grad.row(0) + d);
      return;
    case Pooling::Probe: throw Error("gradients through SigLIP's attention-probe head are not supported");
  }
}

}  // namespace

Matrix head_gradient(const Model& model, const ForwardOutput& output, LogitTarget& target) {
  const Tensor& hidden = output.hidden_state;
  const int classes = model.config.num_classes;
  const auto top = [&](const float* logits) { return static_cast<int>(std::max_element(logits, logits + classes) - logits); };
  if (target.detection_token >= 0) {
    if (!model.has_detector()) throw Error(model.config.architecture + " is no detector: it has no detection tokens to explain");
    check_detection_token(model, target.detection_token);
    if (target.class_index == LogitTarget::kTopClass)
      target.class_index = top(output.detection_logits.ptr() + static_cast<int64_t>(target.detection_token) * (classes + 1));
    return detection_gradient(model, hidden, target);
  }
  if (!model.has_classifier())
    throw Error(model.config.architecture + " has no classifier, so it has no class to explain" +
                (model.has_detector() ? " (explain one of its detections instead)" : ""));
  if (target.class_index == LogitTarget::kTopClass) target.class_index = top(output.logits.ptr());
  check_class(model, target.class_index, classes, "classes");
  const auto& heads = model.weights.heads;
  Matrix grad(static_cast<int>(hidden.dim(0)), static_cast<int>(hidden.dim(1)));
  ForwardOutput unused;
  for (size_t h = 0; h < heads.size(); ++h) {
    const Matrix feature = pooled_feature(model, hidden, static_cast<int>(h), Tensor(), unused);
    Matrix g = row_gradient(heads[h], target.class_index, 1.0 / static_cast<double>(heads.size()));
    if (model.weights.fc_norm) g = layer_norm_backward(feature, g, *model.weights.fc_norm, model.config.layer_norm_eps);
    scatter_pooled(model, g, static_cast<int>(h), grad);
  }
  return grad;
}

void run_heads(const Model& model, const Tensor& hidden, const Tensor& probe_kv, ForwardOutput& out) {
  const bool per_head_tokens = model.config.pooling == Pooling::Token;
  const Matrix feature = normed(model, pooled_feature(model, hidden, 0, probe_kv, out));
  const auto& projection = model.weights.projection;
  out.embedding = to_tensor(projection ? linear(feature, *projection) : feature);
  if (!model.has_classifier()) return;

  const auto& heads = model.weights.heads;
  std::vector<double> sum(static_cast<size_t>(model.config.num_classes), 0.0);
  for (size_t h = 0; h < heads.size(); ++h) {
    const Matrix input = h == 0 || !per_head_tokens ? feature : normed(model, pooled_feature(model, hidden, static_cast<int>(h), probe_kv, out));
    const Matrix logits = linear(input, heads[h]);
    for (size_t c = 0; c < sum.size(); ++c) sum[c] += logits.data[c];
  }
  out.logits = Tensor({model.config.num_classes});
  for (size_t c = 0; c < sum.size(); ++c) out.logits.data[c] = static_cast<float>(sum[c] / static_cast<double>(heads.size()));
}

std::vector<std::pair<int, int>> rows_read_by_heads(const Model& model, int tokens) {
  if (model.config.pooling != Pooling::Token) return {};
  // pooled_feature(h) reads row h for each head h, and row 0 when there is no head.
  std::vector<std::pair<int, int>> rows{{0, std::max(1, static_cast<int>(model.weights.heads.size()))}};
  const int detection = model.config.num_detection_tokens;
  if (detection > 0) rows.emplace_back(tokens - detection, detection);
  return rows;
}

}  // namespace vitlens::cpu
