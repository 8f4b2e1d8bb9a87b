from flexhub.cli import main

main()
