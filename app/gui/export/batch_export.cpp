#include "export/batch_export.hpp"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QMetaObject>
#include <QtConcurrent>

#include "inference/attention_analysis.hpp"
#include "inference/inference_run.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/detection/postprocess.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::gui {

namespace {

void write(ExportKind kind, const AttentionAnalysis& analysis, const BatchJob& job, const QString& path) {
  const InferenceResult& result = analysis.result();
  switch (kind) {
    case ExportKind::Overlay: return export_overlay(analysis, job.settings, path, job.overwrite);
    case ExportKind::Heatmap: return export_heatmap(analysis, job.settings, path, job.overwrite);
    case ExportKind::Grid: return export_grid(analysis, job.settings, path, job.overwrite);
    case ExportKind::Npy: return export_npy(analysis, job.settings, path, job.overwrite);
    case ExportKind::Detections: {
      DetectionOptions options;
      options.threshold = static_cast<float>(job.score_threshold);
      options.nms_iou = job.nms_iou;
      const auto detections = detect_objects(result.output, result.model->labels, result.rgb.size(), options);
      return export_detections(result, detections, job.score_threshold, path, job.overwrite);
    }
    case ExportKind::View: break;
  }
}

std::vector<ExportKind> applicable(const BatchJob& job) {
  std::vector<ExportKind> kinds;
  for (ExportKind k : job.kinds)
    if (k != ExportKind::View && (k != ExportKind::Detections || job.model->has_detector())) kinds.push_back(k);
  return kinds;
}

}  // namespace

QStringList output_stems(const QStringList& images) {
  QHash<QString, int> count;
  for (const QString& i : images) ++count[QFileInfo(i).completeBaseName()];
  QStringList stems;
  for (const QString& i : images) {
    const QFileInfo info(i);
    stems << (count[info.completeBaseName()] > 1 ? info.fileName() : info.completeBaseName());
  }
  return stems;
}

std::vector<QStringList> planned_outputs(const BatchJob& job) {
  const QStringList stems = output_stems(job.images);
  const QDir out(job.output_folder);
  std::vector<QStringList> plans;
  for (const QString& stem : stems) {
    QStringList files;
    for (ExportKind k : applicable(job)) files << export_outputs(k, out.filePath(export_file_name(k, stem, job.settings)));
    plans.push_back(files);
  }
  return plans;
}

BatchExport::BatchExport(QObject* parent) : QObject(parent) {
  connect(&watcher_, &QFutureWatcher<BatchSummary>::finished, this, [this] { emit finished(watcher_.result()); });
}

BatchExport::~BatchExport() {
  cancelled_ = true;
  watcher_.waitForFinished();
}

void BatchExport::start(BatchJob job) {
  cancelled_ = false;
  watcher_.setFuture(QtConcurrent::run([this, job = std::move(job)] { return run(job); }));
}

BatchSummary BatchExport::run(const BatchJob& job) {
  BatchSummary summary;
  summary.images = static_cast<int>(job.images.size());
  const std::vector<QStringList> plans = planned_outputs(job);
  const std::vector<ExportKind> kinds = applicable(job);
  std::unique_ptr<Session> session;
  try {
    QDir().mkpath(job.output_folder);
    session = std::make_unique<Session>(job.model, choose_device(job.device.toStdString()));
  } catch (const std::exception& e) {
    summary.failed = summary.images;
    summary.problems << QString::fromStdString(e.what());
    return summary;
  }
  for (int i = 0; i < summary.images; ++i) {
    if (cancelled_) {
      summary.cancelled = true;
      break;
    }
    const QString& image = job.images[i];
    QMetaObject::invokeMethod(this, [this, i, total = summary.images, image] { emit progress(i, total, image); });
    const QStringList& files = plans[static_cast<size_t>(i)];
    if (!job.overwrite) {
      const auto existing = std::find_if(files.begin(), files.end(), [](const QString& f) { return QFileInfo::exists(f); });
      if (existing != files.end()) {
        ++summary.skipped;
        summary.problems << QString("%1: skipped, %2 already exists").arg(QFileInfo(image).fileName(), *existing);
        continue;
      }
    }
    try {
      const RunRequest request{{job.settings.query}, rollout_of(job.settings), job.budget_bytes, job.input, explanation_of(job.settings)};
      const AttentionAnalysis analysis(
          run_inference(job.model, *session, image, load_image_rgb(image.toStdString()), request));
      if (const QString why = analysis.unavailable(job.settings); !why.isEmpty()) throw Error(why.toStdString());
      int f = 0;
      for (ExportKind k : kinds) {
        write(k, analysis, job, files[f]);
        f += static_cast<int>(export_outputs(k, files[f]).size());
      }
      summary.files += f;
      ++summary.done;
    } catch (const std::exception& e) {
      ++summary.failed;
      summary.problems << QString("%1: %2").arg(QFileInfo(image).fileName(), QString::fromStdString(e.what()));
    }
  }
  QMetaObject::invokeMethod(this, [this, total = summary.images, n = summary.done + summary.skipped + summary.failed] {
    emit progress(n, total, {});
  });
  return summary;
}

}  // namespace vitlens::gui
