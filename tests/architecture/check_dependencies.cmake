# The dependency rules of docs/architecture.md, checked on every include line so that a
# violation fails ctest instead of waiting for a reviewer. Run as
#   cmake -DROOT=<source dir> -P check_dependencies.cmake
# Each rule: files matching a path pattern must not include headers matching a pattern.

set(violations "")

function(forbid files_regex include_regex why)
  file(GLOB_RECURSE candidates RELATIVE ${ROOT} ${ROOT}/engine/*.[ch]pp ${ROOT}/app/*.[ch]pp)
  foreach(path ${candidates})
    if(NOT path MATCHES "${files_regex}")
      continue()
    endif()
    file(STRINGS ${ROOT}/${path} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    foreach(line ${includes})
      if(line MATCHES "${include_regex}")
        string(STRIP "${line}" line)
        list(APPEND violations "${path}: ${line}  (${why})")
      endif()
    endforeach()
  endforeach()
  set(violations "${violations}" PARENT_SCOPE)
endfunction()

forbid("^engine/" "[<\"]Q[A-Za-z]*[>/\"]|[<\"]Qt[A-Za-z]*/"
  "the engine knows nothing of Qt")
forbid("^app/" "<vulkan/|<oneapi/|\"backend/(vulkan|reference|cpu)/"
  "the app reaches devices only through vitlens/backend/session.hpp")
forbid("^engine/(src|include/vitlens)/(analysis|checkpoint|detection|eval|image|live|model|util)/"
  "<vulkan/|<oneapi/|\"backend/(vulkan|reference|cpu)/"
  "only the backend knows a concrete backend")
forbid("^engine/src/backend/reference/" "<vulkan/|<oneapi/|\"backend/(vulkan|cpu)/"
  "backends do not know each other")
forbid("^engine/src/backend/cpu/" "<vulkan/|\"backend/(vulkan|reference)/"
  "backends do not know each other")
forbid("^engine/include/|^engine/src/(analysis|checkpoint|detection|eval|hub|image|live|model|util)/|^engine/src/backend/(host|reference|vulkan)/|^engine/src/backend/[a-z_]+[.][ch]pp$"
  "<oneapi/" "only engine/src/backend/cpu/ includes oneDNN")
forbid("^engine/include/" "#[ \t]*include[ \t]*\"[^v]|#[ \t]*include[ \t]*\"v[^i]"
  "public headers include only public headers (\"vitlens/...\")")
forbid("^engine/(src|include/vitlens)/model/" "\"(vitlens/)?(analysis|backend|checkpoint|detection|eval|image|live)/"
  "the model is data: it depends on util/ only")
forbid("^engine/(src|include/vitlens)/util/" "\"(vitlens/)?(analysis|backend|checkpoint|detection|eval|image|live|model)/"
  "util/ is the bottom layer")
forbid("^app/|^engine/include/|^engine/src/(analysis|backend|checkpoint|detection|eval|image|live|model|util)/" "<curl/|<openssl/"
  "only engine/src/hub/ speaks HTTP: the app and the rest of the engine never include libcurl")
forbid("^engine/(src|include/vitlens)/hub/" "\"(vitlens/)?(analysis|backend|checkpoint|detection|eval|image|live|model)/"
  "the hub fetches files: it depends on util/ only")

list(LENGTH violations count)
if(count GREATER 0)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "${count} include(s) break the dependency rules (docs/architecture.md):\n  ${text}")
endif()
message(STATUS "dependency rules hold")
