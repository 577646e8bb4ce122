#!/usr/bin/env python3
"""slowsmtp.py - an SMTP client that holds its transaction open.

    slowsmtp.py HOST PORT FROM TO CASE DIR

Connects, says EHLO, MAIL FROM and RCPT TO; once RCPT was answered
(the milter has seen MAIL FROM: the transaction is open in it) writes
DIR/CASE.open, then waits for DIR/go to exist (up to 30 s) and sends
the message. DIR/CASE.reply gets the reply to MAIL FROM, RCPT or the
end of data, whichever decided the transaction: "CODE TEXT".
"""
import os
import smtplib
import sys
import time


def main():
    host, port, frm, to, case, d = sys.argv[1:7]
    reply = "000 no reply"
    try:
        s = smtplib.SMTP(host, int(port), timeout=30)
        s.ehlo("client.test")
        code, msg = s.mail(frm)
        reply = "%d %s" % (code, msg.decode(errors="replace"))
        if code == 250:
            code, msg = s.rcpt(to)
            reply = "%d %s" % (code, msg.decode(errors="replace"))
        if code == 250:
            open(os.path.join(d, case + ".open"), "w").close()
            for _ in range(300):
                if os.path.exists(os.path.join(d, "go")):
                    break
                time.sleep(0.1)
            s.putcmd("data")
            code, msg = s.getreply()
            if code == 354:
                body = ("From: <%s>\r\nTo: <%s>\r\nSubject: drain\r\n"
                        "X-Case: %s\r\nMessage-ID: <%s@client.test>\r\n\r\n"
                        "held open across a SIGTERM\r\n.\r\n"
                        % (frm, to, case, case))
                s.send(body.encode())
                code, msg = s.getreply()
            reply = "%d %s" % (code, msg.decode(errors="replace"))
        try:
            s.quit()
        except smtplib.SMTPException:
            pass
    except (OSError, smtplib.SMTPException) as e:
        reply = "000 %s" % e
    with open(os.path.join(d, case + ".reply"), "w") as f:
        f.write(reply.replace("\n", " ") + "\n")


main()
