# contrib/sendergatectl.bash - bash completion for sendergatectl(8).
# Installed by make install as
# $(PREFIX)/share/bash-completion/completions/sendergatectl.
# Commands, subcommands and options come from the tool's own table as
# listed here; addresses and domains are not looked up (that would ask
# LDAP on every TAB).

_sendergatectl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}

	local global="-c --config -h --help -v --verbose -n --dry-run
	    --bind-dn --bind-password-file"
	local commands="sender domain passwd suspend disable activate usage
	    explain suppress complaint reputation reinstate"

	case $prev in
	-c|--config|--bind-password-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--access|--add-access|--remove-access)
		COMPREPLY=($(compgen -W "smtp campaign" -- "$cur"))
		return
		;;
	--auth|--add-auth|--remove-auth)
		# explain --auth takes a login: nothing to offer
		[[ " ${words[*]} " == *" explain "* ]] && return
		COMPREPLY=($(compgen -W "user ip" -- "$cur"))
		return
		;;
	--archive)
		COMPREPLY=($(compgen -W "yes no" -- "$cur"))
		return
		;;
	--status)
		COMPREPLY=($(compgen -W "active suspended disabled" -- "$cur"))
		return
		;;
	--sort)
		COMPREPLY=($(compgen -W "address use" -- "$cur"))
		return
		;;
	--bind-dn|--name|--description|--auth-id|--add-auth-id|\
	--remove-auth-id|--network|--add-network|--remove-network|--bcc|\
	--add-bcc|--remove-bcc|--limit|--reply-to|--reason|--primary|\
	--archive-address|--month|--from|--client|--listener|--domain|\
	--relay|--dkim-selector|--add-dkim-selector|--remove-dkim-selector)
		return
		;;
	esac

	# the command words typed so far (options and their values skipped)
	local i cmd= sub=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-c|--config|--bind-dn|--bind-password-file) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then cmd=${words[i]}
			elif [[ -z $sub ]]; then sub=${words[i]}
			fi
			;;
		esac
	done

	local opts=
	case $cmd in
	"")
		COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
		return
		;;
	sender|domain)
		if [[ -z $sub && $cmd == sender ]]; then
			COMPREPLY=($(compgen -W "add update show sheet list
			    delete verify-reply-to confirm-reply-to" -- "$cur"))
			return
		fi
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "add update show list delete
			    token check" -- "$cur"))
			return
		fi
		case $cmd/$sub in
		sender/add) opts="--name --access --auth --auth-id --network
		    --bcc --archive --limit --reply-to --description --status
		    --reason --notify --send-rate --generate-password --json" ;;
		sender/sheet) opts="--json --mail --relay" ;;
		sender/verify-reply-to) opts="--relay" ;;
		sender/update) opts="--name --access --auth --auth-id --network
		    --bcc --archive --limit --reply-to --description --status
		    --reason --add-access --remove-access --add-auth
		    --remove-auth --add-auth-id --remove-auth-id --add-network
		    --remove-network --add-bcc --remove-bcc --notify --add-notify
		    --remove-notify --send-rate --add-send-rate
		    --remove-send-rate" ;;
		domain/add) opts="--primary --limit --network --archive-address
		    --description --status --reason --notify --dkim-selector
		    --send-rate --skip-dns-check" ;;
		domain/update) opts="--primary --limit --network
		    --archive-address --description --status --reason
		    --add-network --remove-network --notify --add-notify
		    --remove-notify --dkim-selector --add-dkim-selector
		    --remove-dkim-selector --send-rate --add-send-rate
		    --remove-send-rate --skip-dns-check" ;;
		domain/token) opts="--json" ;;
		domain/check) opts="--all --json" ;;
		*/show|*/list) opts="--json" ;;
		*/delete) opts="--yes" ;;
		esac
		;;
	passwd) opts="--generate --json" ;;
	suspend|disable|activate) opts="--reason" ;;
	usage)
		[[ -z $sub ]] && opts="reset"
		opts="$opts --month --sort --json --yes"
		;;
	explain) opts="--from --auth --client --listener --json" ;;
	reputation) opts="--json" ;;
	reinstate) opts="--reason" ;;
	complaint)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "learn" -- "$cur"))
			return
		fi
		;;
	suppress)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "add remove list show learn" \
			    -- "$cur"))
			return
		fi
		case $sub in
		add) opts="--domain --reason" ;;
		remove) opts="--domain" ;;
		list) opts="--domain --json" ;;
		show) opts="--json" ;;
		esac
		;;
	esac
	COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
}
complete -F _sendergatectl sendergatectl
