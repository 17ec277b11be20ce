from handouts.doors.cli import main

main()
