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

}  // namespace vitlens::gui
