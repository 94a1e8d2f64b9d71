#include "shell/model_info.hpp"

#include "vitlens/model/description.hpp"

namespace vitlens::gui {

QString model_info_html(const Model& model) {
  QString html = "<table>";
  for (const ModelFact& fact : describe_model(model)) {
    QString name = QString::fromStdString(fact.name);
    name[0] = name[0].toUpper();
    html += QString("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>")
                .arg(name.toHtmlEscaped(), QString::fromStdString(fact.value).toHtmlEscaped());
  }
  return html + "</table>";
}

}  // namespace vitlens::gui
