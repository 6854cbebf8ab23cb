from lyncpolicy.cli import main

main()
