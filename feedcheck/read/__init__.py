"""Stage 1, read: open the source (decompressing under caps), sniff what it is (encoding, CSV or
XML, delimiter, record element) and read its records into a frame of strings with their lines.

``source`` opens, ``sniff`` guesses, ``csv_reader`` and ``xml_reader`` read, ``split_xml`` and
``xml_worker`` read a big XML file in two processes, ``load`` puts them together."""
