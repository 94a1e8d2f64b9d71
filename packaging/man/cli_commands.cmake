# Writes a help2man include file with every vitlens-cli command's own --help, so the manual
# page documents each command's options and stays in step with the program.
#   cmake -DCLI=<vitlens-cli> -DOUT=<file.h2m> -P cli_commands.cmake
execute_process(COMMAND ${CLI} --help OUTPUT_VARIABLE overview RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CLI} --help failed")
endif()

string(REGEX MATCH "commands:\n([^\n]+\n)+" block "${overview}")
string(REGEX MATCHALL "\n  [a-z][a-z-]*" names "${block}")

set(text "[COMMANDS]\n")
foreach(name ${names})
  string(STRIP "${name}" name)
  execute_process(COMMAND ${CLI} ${name} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CLI} ${name} --help failed")
  endif()
  # roff: a backslash is \e, and a line may not start with a control character.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" help "\n${help}")
  string(APPEND text ".SS ${name}\n.nf${help}.fi\n")
endforeach()
file(WRITE ${OUT} "${text}")
