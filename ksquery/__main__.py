from ksquery.cli import main

raise SystemExit(main())
