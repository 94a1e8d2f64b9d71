#pragma once
#include <QString>
#include <QStringList>

namespace vitlens::gui {

// The resources folder (demo models, samples): beside an installed executable
// (../share/vitlens/resources), else the source tree's. Empty when neither exists.
QString resources_dir();

// The bundled demo models: every folder of resources/models that holds a model.
QStringList demo_models();

// The bundled sample images folder, or empty.
QString samples_dir();

// What a demo model is for, from the DEMO_NOTICE.txt beside it (the bundled demos have
// one); empty for any other model.
QString demo_notice(const QString& model_path);

// The documentation folder (README.md's docs/): installed beside the executable
// (../share/doc/vitlens), else the source tree's; empty when neither exists.
QString docs_dir();

}  // namespace vitlens::gui
