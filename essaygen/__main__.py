from essaygen.cli import main

raise SystemExit(main())
