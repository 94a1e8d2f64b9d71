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

// What a demo model is for, from the DEMO_NOTICE.txt beside it (the bundled demos have
// one); empty for any other model.
QString demo_notice(const QString& model_path);

// The engine's documentation folder (vitlens/util/resources.hpp) as a Qt string, or empty.
QString docs_dir();

}  // namespace vitlens::gui
