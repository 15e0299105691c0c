"""The matching engine: for a published post, the posts of the other kind that truly fit it.

``text``, ``places``, ``quantities`` and ``facts`` read what a post says (terms, towns, amounts, conditions);
``scoring`` holds the pure scoring functions, one per factor, and their combination into one score with reasons;
``marketplace.services.matching`` gathers candidates from the search index, judges them and stores the matches."""
