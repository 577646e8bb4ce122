# tests/lib/mta_cases.sh - the decisions every MTA must pass on the same
# way: one table, run by test_postfix.sh and test_sendmail.sh against
# their port-25 listener (sourced after postfix.sh; each test brings its
# own reply_is, which knows how its MTA words a reply).
#
#   mta_cases LABEL PREFIX PORT   send each case as PREFIX-NAME to PORT
#                                 (from 127.0.0.1, to rcpt@far.test) and
#                                 check its deciding reply
#
# The table: NAME|MAIL FROM|the reply the case must start with|what.
MTA_CASES='ip|pfip@pf.test|250 2.0.0|registered IP-controlled sender accepted (rule 9b)
authreq|pfuser@pf.test|530 5.7.0 Authentication required|a user-method sender without AUTH gets 530 (rule 9c)
noip|pfnoip@pf.test|550 5.7.1 Client address 127.0.0.1 not authorized for sender <pfnoip@pf.test>|an IP sender from outside its networks (rule 9d)
unreg|nobody@pf.test|550 5.7.1 Sender <nobody@pf.test> is not registered|unregistered sender (rule 5)
undom|someone@unknown.test|550 5.7.1 Sender domain <unknown.test> is not registered|unregistered domain (rule 4)
null|<>|550 5.7.1 Null sender not accepted|null sender (rule 1)'

mta_cases() {
	printf '%s\n' "$MTA_CASES" | while IFS='|' read -r _mc_name _mc_from \
	    _mc_want _mc_what; do
		pf_send "$2-$_mc_name" "$3" --from "$_mc_from" --to rcpt@far.test
		check "$1: $_mc_what" reply_is "$2-$_mc_name" "$_mc_want"
	done
}
