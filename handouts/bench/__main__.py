"""python -m handouts.bench"""

from handouts.bench import main

main()
