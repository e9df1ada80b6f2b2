from landplan.cli import main

raise SystemExit(main())
