#!/usr/bin/env python3
# How ot-formats.txt was captured: unmodified ot-cli-ftd processes
# (../shared/ot) on the simulated radio, commands typed on stdin, the
# output printed as "> command" blocks (ages, RSSI and EIDs differ per run;
# the blocks kept in ot-formats.txt are picked from one such run, each
# labelled with its node). Run from a scratch directory:
#   python3 capture_net.py > run.txt
import subprocess, os, sys, time, select, re
OT=os.environ.get('OT', os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../shared/ot/ot-cli-ftd'))
class N:
    def __init__(s, nid, off):
        env=dict(os.environ, PORT_OFFSET=str(off))
        s.p=subprocess.Popen([OT,str(nid)],stdin=subprocess.PIPE,stdout=subprocess.PIPE,env=env,cwd='.')
        s.buf=b''
    def cmd(s, line, t=5):
        s.p.stdin.write((line+'\n').encode()); s.p.stdin.flush()
        end=time.time()+t; out=b''
        while time.time()<end:
            r,_,_=select.select([s.p.stdout],[],[],0.1)
            if r:
                d=os.read(s.p.stdout.fileno(),4096); out+=d
                if re.search(rb'(Done|Error \d+: \w+)\r?\n', out): break
        return out.decode()
def show(n, line):
    o=n.cmd(line); sys.stdout.write('> '+line+'\n'+o.replace('\r','')); sys.stdout.flush(); return o

def network():
    import time
    a=N(1,1011); b=N(2,1011); c=N(3,1011)
    for n,ext in ((a,'1111111111111111'),(b,'2222222222222222'),(c,'3333333333333333')):
        n.cmd('factoryreset',2)
    time.sleep(1)
    for n,ext in ((a,'1111111111111111'),(b,'2222222222222222'),(c,'3333333333333333')):
        n.cmd('extaddr '+ext)
    show(a,'leaderweight 72')
    a.cmd('dataset init new'); a.cmd('dataset networkkey 00112233445566778899aabbccddeeff'); a.cmd('dataset commit active')
    a.cmd('ifconfig up'); a.cmd('thread start')
    time.sleep(8)
    show(a,'state')
    ds=a.cmd('dataset active -x').split()[1] if False else None
    out=a.cmd('dataset active -x'); hexds=[l for l in out.replace('\r','').split('\n') if len(l)>40][0]
    for n in (b,):
        n.cmd('dataset set active '+hexds); n.cmd('routerselectionjitter 1'); n.cmd('ifconfig up'); n.cmd('thread start')
    time.sleep(10)
    c.cmd('dataset set active '+hexds); c.cmd('mode rn'); c.cmd('routereligible disable'); c.cmd('ifconfig up'); c.cmd('thread start')
    time.sleep(8)
    for n in (a,b,c): show(n,'state')
    show(a,'leaderdata'); show(a,'partitionid'); show(b,'partitionid')
    show(a,'router table'); show(a,'router list'); show(b,'router table')
    r=b.cmd('rloc16').replace('\r','').split('\n')
    show(a,'router 0x'+[l for l in r if len(l)==4][0])
    show(a,'neighbor table'); show(a,'neighbor list'); show(b,'neighbor table'); show(c,'neighbor table')
    show(a,'child table'); show(c,'leaderdata')
    ml=[l for l in b.cmd('ipaddr mleid').replace('\r','').split('\n') if ':' in l][0]
    show(a,'ping '+ml)
    time.sleep(2)
    show(a,'eidcache')
    show(b,'eidcache')
    show(a,'ping fd00:db8::1234 8 1 1 64 1')
    time.sleep(1)
    show(a,'eidcache')
    time.sleep(4)
    show(a,'eidcache')
    show(c,'routereligible enable')
    show(a,'childmax 5')
    show(a,'childmax')


def query_retry():
    a=N(1,1012)
    a.cmd('factoryreset',2); time.sleep(1)
    a.cmd('dataset init new'); a.cmd('dataset meshlocalprefix fd11:2233:4455:6677::'); a.cmd('dataset commit active')
    a.cmd('ifconfig up'); a.cmd('thread start')
    time.sleep(8)
    show(a,'state')
    show(a,'ping fd11:2233:4455:6677:1:2:3:4 8 1 1 64 1')
    show(a,'eidcache')
    time.sleep(1.2)
    show(a,'eidcache')
    time.sleep(3)
    show(a,'eidcache')
    time.sleep(2)
    show(a,'eidcache')
    show(a,'neighbor linkquality')
    show(a,'neighbor conntime')
    show(a,'leaderweight')
    show(a,'routerselectionjitter 1 2')


network()
query_retry()
