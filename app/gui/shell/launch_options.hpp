#pragma once
#include <variant>

#include <QString>
#include <QStringList>

namespace vitlens::gui {

// What the command line asks for:
// `vitlens [--model M] [--device D] [--live SOURCE] [--screenshot FILE] [PATH...]`.
struct LaunchOptions {
  QString model;       // empty: the last model used, else the first demo model
  QString device;      // empty: the last device used
  QString screenshot;  // grab the window once the first result is shown, save it, quit
  QStringList paths;   // images or folders
  QString live;        // a camera index, video file or stream URL to start live mode on
};

// Parses the arguments; on a mistake or --help/--version prints to the terminal and returns
// the exit status instead.
std::variant<LaunchOptions, int> parse_launch_options(const QStringList& arguments);

}  // namespace vitlens::gui
