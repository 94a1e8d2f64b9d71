# bash completion for vitlens-cli. Commands and options are read from the program's own
# --help, so they never fall out of step with it.

_vitlens_cli_devices() {
  # Device ids (first column) and names of `vitlens-cli devices`, plus 'auto'.
  printf '%s\n' auto
  vitlens-cli devices 2>/dev/null | awk 'NR > 1 { sub(/^\*/, ""); print $1 }'
}

_vitlens_cli() {
  local cur prev words cword
  _init_completion || return

  local cmd="" i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      -*) ;;
      *) cmd="${words[i]}"; break ;;
    esac
  done

  if [[ -z "$cmd" ]]; then
    local commands
    commands=$(vitlens-cli --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on && NF { print $1 } !NF { on = 0 }')
    COMPREPLY=($(compgen -W "$commands --help" -- "$cur"))
    return
  fi

  case "$prev" in
    --model)
      local demos
      demos=$(vitlens-cli "$cmd" --help 2>/dev/null | grep -o "demo model's name ([^)]*)" | sed "s/.*(//; s/)//; s/,/ /g")
      _filedir
      COMPREPLY+=($(compgen -W "$demos" -- "$cur"))
      return ;;
    --device)
      COMPREPLY=($(compgen -W "$(_vitlens_cli_devices)" -- "$cur"))
      return ;;
    --out|--output)
      _filedir -d
      return ;;
  esac

  if [[ "$cur" == -* ]]; then
    local options
    options=$(vitlens-cli "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
    return
  fi
  _filedir
}

complete -F _vitlens_cli vitlens-cli
