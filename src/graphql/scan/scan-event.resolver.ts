import { FieldResolver, Int, Resolver, Root } from 'type-graphql';

import { isTerminal } from '../../domain/states';
import { ScanProgressEvent } from './scan-event.type';

/** Fields of a progress event that are derived from the scan row it comes with. */
@Resolver(() => ScanProgressEvent)
export class ScanProgressEventResolver {
  @FieldResolver(() => Int, {
    nullable: true,
    description:
      'On the terminal event: how many changes since the previous finished scan of the host and type (Scan.changeCount), so a dashboard can flag a changed host live. Null on other events, and where changeCount is null.',
  })
  changeCount(@Root() event: ScanProgressEvent): number | null {
    // The terminal write sets change_count with the status, and a finished
    // scan's row never changes again: the row read with the event is right.
    return isTerminal(event.status) ? event.scan.changeCount : null;
  }
}
