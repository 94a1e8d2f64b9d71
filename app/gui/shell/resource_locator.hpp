#pragma once
#include <QString>
#include <QStringList>

namespace vitlens::gui {

// The engine's resources folder (vitlens/util/resources.hpp) as Qt strings: demo models and
// samples beside an installed executable, else the source tree's. Empty when none exists.
QString resources_dir();

// The bundled demo models: every folder of resources/models that holds a model.
QStringList demo_models();

// The bundled sample images folder, or empty.
QString samples_dir();

}  // namespace vitlens::gui
